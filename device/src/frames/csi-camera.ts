import { childFrames, classifyCameraError } from './child-frames.ts';
import { commandExists, FrameSourceError } from './ffmpeg.ts';
import type { LiveSource } from './live-source.ts';
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
      const camera = { cmd: tool, args: ['-t', '0', '-n', '--flush', '--width', String(width), '--height', String(height), '--framerate', String(framerate), '--codec', codec, ...(opts.extraArgs ?? []), '-o', '-'] };
      const label = `CSI camera (${tool})`;
      const common = { classify: (stderr: string, code: number | null, seen: number) => classifyCameraError(label, stderr, code, seen), signal, label, stallTimeoutMs: opts.stallTimeoutMs };
      const start = performance.timeOrigin + performance.now();
      let index = 0;
      if (codec === 'yuv420') {
        const layout = yuv420Layout(width, height, opts.rowAlign);
        for await (const f of childFrames([camera], { ...common, frameBytes: layout.frameBytes })) {
          const rgb = yuv420ToRgb(f.data, layout, out.width, out.height);
          yield { ...rgb, index: index++, t: (f.at - start) / 1000, originalWidth: width, originalHeight: height } satisfies SourceFrame;
        }
        return;
      }
      // MJPEG: concatenated JPEGs from the camera, decoded and scaled by ffmpeg.
      const decoder = { cmd: 'ffmpeg', args: ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-vf', `scale=${out.width}:${out.height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'] };
      for await (const f of childFrames([camera, decoder], { ...common, frameBytes: out.width * out.height * 3 })) {
        yield { data: f.data, width: out.width, height: out.height, index: index++, t: (f.at - start) / 1000, originalWidth: width, originalHeight: height } satisfies SourceFrame;
      }
    },
  };
}
