import { spawn } from 'node:child_process';
import { childFrames, classifyCameraError } from './child-frames.ts';
import { commandExists, FrameSourceError } from './ffmpeg.ts';
import type { LiveSource } from './live-source.ts';
import { fixedSizeFrames } from './raw-frames.ts';
import { DEFAULT_MAX_SIDE, scaledSize, type SourceFrame } from './types.ts';
import { yuv420Layout, yuv420ToRgb } from './yuv420.ts';

/**
 * The Raspberry Pi CSI camera, streamed by `rpicam-vid` (or `libcamera-vid`, its name before
 * Bookworm) writing to stdout, parsed frame by frame here.
 *
 * Why not node-libcamera: it runs the same tools through child_process `exec`, which buffers
 * all of stdout until the process exits, so a stream of frames never arrives (and exec's
 * maxBuffer kills it). `spawn` with a pipe is the only way to read frames as they come.
 * node-libcamera would fit a one-off still for a camera check, which `rpicam-vid --frames 1`
 * does as well, so it is not used at all.
 */
export interface CsiCameraOptions {
  /** Capture size. A width that is a multiple of 64 avoids row padding. Default 640×480. */
  width?: number;
  height?: number;
  /** Default 30. */
  framerate?: number;
  /**
   * 'yuv420' (default): raw frames, converted to RGB here, cheapest on the Pi's CPU.
   * 'mjpeg': JPEG frames from the hardware encoder (Pi 4 and older), decoded by ffmpeg; for a
   * long cable or when yuv420 is not offered.
   */
  codec?: 'yuv420' | 'mjpeg';
  /** Row alignment of the camera's buffers (yuv420 only). Default 64. */
  rowAlign?: number;
  /** Long side of the frames handed to inference. Default 384. */
  maxSide?: number;
  /** Force a tool instead of rpicam-vid → libcamera-vid. */
  command?: string;
  /** Extra arguments (e.g. ['--hflip'] for a mirror, ['--camera', '1']). */
  extraArgs?: string[];
  stallTimeoutMs?: number;
}

/** rpicam-vid, else libcamera-vid, else undefined. */
export function findCsiTool(): string | undefined {
  return ['rpicam-vid', 'libcamera-vid'].find(commandExists);
}

export function csiCamera(opts: CsiCameraOptions = {}): LiveSource {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const framerate = opts.framerate ?? 30;
  const codec = opts.codec ?? 'yuv420';
  const out = scaledSize(width, height, opts.maxSide ?? DEFAULT_MAX_SIDE);
  return {
    description: `CSI camera (${opts.command ?? 'rpicam-vid'} ${width}×${height} @${framerate} ${codec})`,
    async *frames(signal) {
      const tool = opts.command ?? findCsiTool();
      if (!tool) throw new FrameSourceError('no CSI camera tool: install rpicam-apps (Debian: apt-get install rpicam-apps) or libcamera-apps', 'TOOL_MISSING');
      // -t 0: run until stopped; -n: no preview window; --flush: write each frame at once.
      const args = ['-t', '0', '-n', '--flush', '--width', String(width), '--height', String(height), '--framerate', String(framerate), '--codec', codec, ...(opts.extraArgs ?? []), '-o', '-'];
      const label = `CSI camera (${tool})`;
      const classify = (stderr: string, code: number | null, seen: number) => classifyCameraError(label, stderr, code, seen);
      const start = performance.now();
      let index = 0;
      if (codec === 'yuv420') {
        const layout = yuv420Layout(width, height, opts.rowAlign);
        for await (const buf of childFrames(tool, args, { frameBytes: layout.frameBytes, classify, signal, label, stallTimeoutMs: opts.stallTimeoutMs })) {
          const rgb = yuv420ToRgb(buf, layout, out.width, out.height);
          yield { ...rgb, index: index++, t: (performance.now() - start) / 1000, originalWidth: width, originalHeight: height } satisfies SourceFrame;
        }
        return;
      }
      yield* mjpegFrames(tool, args, { width, height, out, label, classify, signal, stallTimeoutMs: opts.stallTimeoutMs, start });
    },
  };
}

/**
 * MJPEG: the camera tool's stdout (concatenated JPEGs) feeds an ffmpeg that decodes and scales
 * them to raw RGB; the camera tool's exit status and stderr still decide the error.
 */
async function* mjpegFrames(
  tool: string,
  args: string[],
  o: { width: number; height: number; out: { width: number; height: number }; label: string; classify: (s: string, c: number | null, n: number) => FrameSourceError; signal: AbortSignal; stallTimeoutMs?: number; start: number },
): AsyncGenerator<SourceFrame> {
  const cam = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let camErr = '';
  cam.stderr.on('data', (d: Buffer) => (camErr = (camErr + d.toString()).slice(-4000)));
  const camExit = new Promise<number | null>((resolve) => cam.once('close', (code) => resolve(code)));
  cam.once('error', () => undefined);
  const dec = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-vf', `scale=${o.out.width}:${o.out.height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  cam.stdout.pipe(dec.stdin);
  dec.stdin.on('error', () => undefined);
  const stop = () => cam.kill('SIGTERM');
  o.signal.addEventListener('abort', stop, { once: true });
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const arm = () => {
    clearTimeout(timer);
    if (o.stallTimeoutMs !== 0) timer = setTimeout(() => ((stalled = true), cam.kill('SIGKILL')), o.stallTimeoutMs ?? 5000);
  };
  try {
    arm();
    for await (const data of fixedSizeFrames(dec.stdout, o.out.width * o.out.height * 3)) {
      arm();
      yield { data, width: o.out.width, height: o.out.height, index: index++, t: (performance.now() - o.start) / 1000, originalWidth: o.width, originalHeight: o.height };
    }
    clearTimeout(timer);
    const code = await camExit;
    if (o.signal.aborted) return;
    if (stalled) throw new FrameSourceError(`${o.label}: no frame for ${o.stallTimeoutMs ?? 5000} ms; the camera stopped sending`, 'STREAM_DIED', true);
    if (code !== 0) throw o.classify(camErr, code, index);
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
    cam.kill('SIGKILL');
    dec.kill('SIGKILL');
  }
}
