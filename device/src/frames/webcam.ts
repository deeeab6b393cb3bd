import { childFrames, classifyCameraError } from './child-frames.ts';
import { requireTool } from './ffmpeg.ts';
import type { LiveSource } from './live-source.ts';
import { DEFAULT_MAX_SIDE, scaledSize } from './types.ts';

export interface WebcamOptions {
  /** V4L2 device. Default /dev/video0. */
  device?: string;
  /** Capture size asked of the camera. Default 640×480. */
  width?: number;
  height?: number;
  /** Default 30. */
  framerate?: number;
  /** V4L2 input format, e.g. 'mjpeg' for cameras that only reach 30 fps in MJPEG. Default: the camera's choice. */
  inputFormat?: string;
  /** Long side of the frames handed to inference. Default 384. */
  maxSide?: number;
  stallTimeoutMs?: number;
}

/** A USB / V4L2 webcam through ffmpeg, decoded and scaled to raw RGB on a pipe. */
export function webcam(opts: WebcamOptions = {}): LiveSource {
  const device = opts.device ?? '/dev/video0';
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const framerate = opts.framerate ?? 30;
  const out = scaledSize(width, height, opts.maxSide ?? DEFAULT_MAX_SIDE);
  return {
    description: `webcam ${device} (${width}×${height} @${framerate})`,
    async *frames(signal) {
      requireTool('ffmpeg', 'ffmpeg');
      const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'v4l2', '-framerate', String(framerate), '-video_size', `${width}x${height}`];
      if (opts.inputFormat) args.push('-input_format', opts.inputFormat);
      args.push('-i', device, '-vf', `scale=${out.width}:${out.height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
      const label = `webcam ${device}`;
      const start = performance.timeOrigin + performance.now();
      let index = 0;
      for await (const f of childFrames([{ cmd: 'ffmpeg', args }], {
        frameBytes: out.width * out.height * 3,
        classify: (stderr, code, seen) => classifyCameraError(label, stderr, code, seen),
        signal,
        label,
        stallTimeoutMs: opts.stallTimeoutMs,
      })) {
        // The camera may not honour the size asked; ffmpeg scales to `out` whatever it gives.
        yield { data: f.data, width: out.width, height: out.height, index: index++, t: (f.at - start) / 1000, originalWidth: width, originalHeight: height };
      }
    },
  };
}
