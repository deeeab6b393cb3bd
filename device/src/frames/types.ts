import type { Frame } from '@pose-coach/inference';

/** A frame as a source yields it: always with its index and time in the stream. */
export interface SourceFrame extends Frame {
  /** 0-based position in the stream. */
  index: number;
  /** Seconds since the start of the stream. */
  t: number;
  originalWidth: number;
  originalHeight: number;
}

/**
 * Frames are decoded small: MoveNet looks at 192 (Lightning) or 256 (Thunder) pixels, so a long
 * side of 384 keeps detail for a crop on a far person while costing a fraction of a full-size frame
 * to convert and copy. Keypoints still come back in the original pixels.
 */
export const DEFAULT_MAX_SIDE = 384;

/** The size to decode to: long side at most `maxSide`, even sides (yuv/rgb scalers want them). */
export function scaledSize(width: number, height: number, maxSide = DEFAULT_MAX_SIDE): { width: number; height: number } {
  const k = Math.min(1, maxSide / Math.max(width, height));
  const even = (v: number) => Math.max(2, Math.round((v * k) / 2) * 2);
  return k === 1 ? { width, height } : { width: even(width), height: even(height) };
}
