/**
 * Live camera frames: a Raspberry Pi camera through `rpicam-vid` (libcamera), or a USB webcam via
 * ffmpeg's v4l2 input, decoded to small RGB frames like a video file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { commandExists, FrameSourceError, requireTool } from '../frames/ffmpeg.ts';
import { fixedSizeFrames } from '../frames/raw-frames.ts';
import { DEFAULT_MAX_SIDE, scaledSize, type SourceFrame } from '../frames/index.ts';

export type CameraKind = 'picamera' | 'v4l2';

/** Which camera is present: a Pi camera (rpicam lists one), else a V4L2 device, else none. */
export function detectCamera(device: string): { kind: CameraKind; description: string } | undefined {
  for (const tool of ['rpicam-hello', 'libcamera-hello']) {
    if (!commandExists(tool)) continue;
    const out = spawnSync(tool, ['--list-cameras'], { encoding: 'utf8', timeout: 5000 });
    if (/^\s*0\s*:/m.test(`${out.stdout}${out.stderr}`)) return { kind: 'picamera', description: 'Raspberry Pi camera (libcamera)' };
  }
  try {
    if (existsSync(device) && statSync(device).isCharacterDevice()) return { kind: 'v4l2', description: `webcam ${device}` };
  } catch {
    /* not a device */
  }
  return undefined;
}

export interface CameraOptions {
  kind: CameraKind;
  device: string;
  width?: number;
  height?: number;
  fps: number;
  signal: AbortSignal;
}

export async function* cameraFrames(opts: CameraOptions): AsyncGenerator<SourceFrame> {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const size = scaledSize(width, height, DEFAULT_MAX_SIDE);
  const out = ['-vf', `scale=${size.width}:${size.height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
  const cmd =
    opts.kind === 'picamera'
      ? `${commandExists('rpicam-vid') ? 'rpicam-vid' : 'libcamera-vid'} -t 0 -n --width ${width} --height ${height} --framerate ${opts.fps} --codec mjpeg -o - | ffmpeg -hide_banner -loglevel error -f mjpeg -i - ${out.join(' ')}`
      : `ffmpeg -hide_banner -loglevel error -f v4l2 -framerate ${opts.fps} -video_size ${width}x${height} -i ${JSON.stringify(opts.device)} ${out.join(' ')}`;
  requireTool('ffmpeg', 'ffmpeg');
  const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  opts.signal.addEventListener('abort', kill, { once: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const started = performance.now();
  let index = 0;
  try {
    for await (const data of fixedSizeFrames(child.stdout, size.width * size.height * 3)) {
      yield { data, width: size.width, height: size.height, index: index++, t: (performance.now() - started) / 1000, originalWidth: width, originalHeight: height };
    }
    if (!opts.signal.aborted) throw new FrameSourceError(`camera stopped: ${stderr.trim().split('\n').slice(-3).join(' ')}`, 'STREAM_DIED', true);
  } finally {
    opts.signal.removeEventListener('abort', kill);
    kill();
  }
}
