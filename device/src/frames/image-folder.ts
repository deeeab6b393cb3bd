import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FrameSourceError, requireTool } from './ffmpeg.ts';
import { probeVideo } from './video-file.ts';
import { DEFAULT_MAX_SIDE, scaledSize, type SourceFrame } from './types.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp']);

/**
 * Decodes one still image (JPEG, PNG, ...) to RGB24 with ffmpeg, scaled so its long side is at
 * most `maxSide` (0 keeps the full size; the default keeps full size for stills, where precision
 * matters more than time). Keypoints come back in the image's own pixels.
 */
export function readImage(file: string, opts: { maxSide?: number; t?: number; index?: number } = {}): SourceFrame {
  if (!existsSync(file)) throw new FrameSourceError(`image file not found: ${file}`, 'NOT_FOUND');
  requireTool('ffmpeg', 'ffmpeg');
  const info = probeVideo(file);
  const size = opts.maxSide ? scaledSize(info.width, info.height, opts.maxSide) : { width: info.width, height: info.height };
  const res = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-frames:v', '1', '-vf', `scale=${size.width}:${size.height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    { maxBuffer: size.width * size.height * 3 + 1024 },
  );
  const data = res.stdout as Buffer | null;
  if (res.status !== 0 || !data || data.length !== size.width * size.height * 3) {
    throw new FrameSourceError(`ffmpeg cannot decode image ${file}: ${res.stderr?.toString().trim() || `got ${data?.length ?? 0} bytes`}`, 'DECODE_FAILED');
  }
  return { data, width: size.width, height: size.height, index: opts.index ?? 0, t: opts.t ?? 0, originalWidth: info.width, originalHeight: info.height };
}

/** The image files of a folder, sorted by name. */
export function listImages(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FrameSourceError(`image folder not found: ${dir}`, 'NOT_FOUND');
  return readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface ImageFolderOptions {
  /** Longest side to decode to. Default ${DEFAULT_MAX_SIDE}, like video; 0 = full size. */
  maxSide?: number;
  /** Time between two images, seconds (they are frames of a pretend stream). Default 1/30. */
  interval?: number;
}

/** A folder of images as a frame source: one frame per image, in name order. */
export async function* imageFolderFrames(dir: string, opts: ImageFolderOptions = {}): AsyncGenerator<SourceFrame> {
  const files = listImages(dir);
  if (files.length === 0) throw new FrameSourceError(`no images (${[...IMAGE_EXTENSIONS].join(' ')}) in ${dir}`, 'BAD_INPUT');
  const interval = opts.interval ?? 1 / 30;
  for (const [index, file] of files.entries()) {
    yield readImage(file, { maxSide: opts.maxSide ?? DEFAULT_MAX_SIDE, index, t: index * interval });
  }
}
