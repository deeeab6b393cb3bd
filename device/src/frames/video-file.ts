import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { childFrames } from './child-frames.ts';
import { fixedSizeFrames } from './raw-frames.ts';
import { exited, FrameSourceError, requireTool, spawnRaw, stderrTail } from './ffmpeg.ts';
import type { LiveSource } from './live-source.ts';
import { DEFAULT_MAX_SIDE, scaledSize, type SourceFrame } from './types.ts';

export interface VideoInfo {
  /** Display size (after any rotation the file asks for). */
  width: number;
  height: number;
  fps: number;
  /** Seconds; 0 when the container does not say. */
  duration: number;
  /** Frame count when the container gives it (for progress bars), else an estimate from duration × fps. */
  frames: number;
}

function ratio(s: string | undefined): number {
  if (!s) return 0;
  const [a, b] = s.split('/').map(Number);
  return b ? a! / b : Number(a) || 0;
}

/** Size, frame rate and length of a video file, from ffprobe. */
export function probeVideo(file: string): VideoInfo {
  if (!existsSync(file) || !statSync(file).isFile()) throw new FrameSourceError(`video file not found: ${file}`, 'NOT_FOUND');
  requireTool('ffprobe', 'ffmpeg');
  const res = spawnSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:stream_side_data=rotation:format=duration', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new FrameSourceError(`ffprobe cannot read ${file}: ${res.stderr.trim()}`, 'DECODE_FAILED');
  const json = JSON.parse(res.stdout) as {
    streams?: { width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; nb_frames?: string; duration?: string; side_data_list?: { rotation?: number }[] }[];
    format?: { duration?: string };
  };
  const s = json.streams?.[0];
  if (!s?.width || !s.height) throw new FrameSourceError(`${file} has no video stream`, 'BAD_INPUT');
  const rotation = Math.abs(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0) % 180;
  const fps = ratio(s.avg_frame_rate) || ratio(s.r_frame_rate) || 30;
  const duration = Number(s.duration ?? json.format?.duration ?? 0) || 0;
  const frames = Number(s.nb_frames) || Math.round(duration * fps);
  // ffmpeg auto-rotates while decoding, so a 90° file comes out with swapped sides.
  return rotation === 90 ? { width: s.height, height: s.width, fps, duration, frames } : { width: s.width, height: s.height, fps, duration, frames };
}

export interface VideoFileOptions {
  /** Longest side of the decoded frames (ffmpeg scales, with area averaging). Default 384; 0 keeps full size. */
  maxSide?: number;
  /** ffmpeg decoder threads. Default 1: the other core runs inference. */
  threads?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Deliver frames at the video's own pace, like a camera (ffmpeg -re). Default false: as fast as possible. */
  realtime?: boolean;
  /** Start again at the end, for ever (a camera stand-in for the simulated mirror). */
  loop?: boolean;
  signal?: AbortSignal;
}

/** ffmpeg arguments that decode `file` to raw RGB24 on stdout at the size `maxSide` asks for. */
function decodeArgs(file: string, info: VideoInfo, opts: VideoFileOptions): { args: string[]; size: { width: number; height: number } } {
  const size = opts.maxSide === 0 ? { width: info.width, height: info.height } : scaledSize(info.width, info.height, opts.maxSide ?? DEFAULT_MAX_SIDE);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', String(opts.threads ?? 1)];
  if (opts.realtime) args.push('-re');
  if (opts.loop) args.push('-stream_loop', '-1');
  args.push('-i', file, '-an', '-sn');
  args.push('-vf', `scale=${size.width}:${size.height}:flags=area`, '-fps_mode', 'cfr', '-r', String(info.fps));
  if (opts.maxFrames) args.push('-frames:v', String(opts.maxFrames));
  args.push('-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  return { args, size };
}

/**
 * Decodes a video file with ffmpeg into raw RGB24 frames on a pipe, already scaled down
 * (`maxSide`), each with its index and time. Times are index / average frame rate: ffmpeg is
 * asked for a constant-rate stream (`-fps_mode cfr`) so they hold for variable-rate files too.
 */
export async function* videoFileFrames(file: string, opts: VideoFileOptions = {}): AsyncGenerator<SourceFrame> {
  const info = probeVideo(file);
  requireTool('ffmpeg', 'ffmpeg');
  const { args, size } = decodeArgs(file, info, opts);
  const child = spawnRaw('ffmpeg', args);
  const tail = stderrTail(child);
  const stop = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', stop, { once: true });
  let index = 0;
  try {
    for await (const data of fixedSizeFrames(child.stdout, size.width * size.height * 3)) {
      if (opts.signal?.aborted) break;
      yield { data, width: size.width, height: size.height, index, t: index / info.fps, originalWidth: info.width, originalHeight: info.height };
      index++;
    }
    const { code } = await exited(child);
    if (code !== 0 && !opts.signal?.aborted) throw new FrameSourceError(`ffmpeg failed decoding ${file} (exit ${code}): ${tail()}`, 'DECODE_FAILED');
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * A video file played at its own pace as a live camera (for the simulated mirror and demos), read
 * like a camera: drained in a worker so slow inference drops frames instead of falling behind.
 */
export function videoAsCamera(file: string, opts: Pick<VideoFileOptions, 'maxSide' | 'loop'> = {}): LiveSource {
  const label = `video ${file} played as a camera`;
  return {
    description: label,
    async *frames(signal) {
      const info = probeVideo(file);
      requireTool('ffmpeg', 'ffmpeg');
      const { args, size } = decodeArgs(file, info, { ...opts, realtime: true });
      const start = performance.timeOrigin + performance.now();
      let index = 0;
      for await (const f of childFrames([{ cmd: 'ffmpeg', args }], {
        frameBytes: size.width * size.height * 3,
        classify: (stderr, code) => new FrameSourceError(`${label}: ffmpeg failed (exit ${code}): ${stderr.trim()}`, 'DECODE_FAILED'),
        signal,
        label,
      })) {
        yield { data: f.data, width: size.width, height: size.height, index: index++, t: (f.at - start) / 1000, originalWidth: info.width, originalHeight: info.height };
      }
    },
  };
}

/**
 * A video file played once at its own pace with every frame kept (LiveSource.everyFrame): when
 * inference is slower than the clip, the pipe fills and ffmpeg waits, so the clip plays slower
 * and the coach still sees all of it, as `pose-coach analyze` does. Times are the clip's own.
 */
export function videoPlayedOnce(file: string, opts: Pick<VideoFileOptions, 'maxSide'> = {}): LiveSource {
  return {
    description: `video ${file}, played once`,
    everyFrame: true,
    frames: (signal) => videoFileFrames(file, { ...opts, realtime: true, signal }),
  };
}
