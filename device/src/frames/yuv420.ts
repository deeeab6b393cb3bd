import type { Frame } from '@pose-coach/inference';

/**
 * The byte layout of one YUV420 (I420) frame as rpicam-vid `--codec yuv420` writes it: the camera
 * buffer as is, so each row is `stride` bytes (width rounded up to the ISP's alignment), then the
 * U and V planes at half size with half the stride. With a width that is a multiple of 64 there is
 * no padding at all (640, 1280, 1920 all are), which is why the CSI source asks for such widths.
 */
export interface Yuv420Layout {
  width: number;
  height: number;
  stride: number;
  frameBytes: number;
}

export function yuv420Layout(width: number, height: number, rowAlign = 64): Yuv420Layout {
  if (width % 2 || height % 2) throw new Error(`YUV420 needs even sides, got ${width}×${height}`);
  const stride = Math.ceil(width / rowAlign) * rowAlign;
  return { width, height, stride, frameBytes: stride * height + 2 * (stride / 2) * (height / 2) };
}

/**
 * Converts a YUV420 frame to RGB24 and scales it to out.width × out.height in one pass
 * (nearest sample; the model's own resize smooths after). Full-range BT.601 coefficients:
 * rpicam-vid uses the JPEG colour space (sYCC) for yuv420 output.
 */
export function yuv420ToRgb(src: Uint8Array, layout: Yuv420Layout, outWidth: number, outHeight: number): Frame {
  const { width, height, stride } = layout;
  const uOff = stride * height;
  const vOff = uOff + (stride / 2) * (height / 2);
  const half = stride / 2;
  const data = new Uint8Array(outWidth * outHeight * 3);
  const sx = width / outWidth;
  const sy = height / outHeight;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const yy = Math.min(height - 1, Math.floor((y + 0.5) * sy));
    const yRow = yy * stride;
    const cRow = (yy >> 1) * half;
    for (let x = 0; x < outWidth; x++) {
      const xx = Math.min(width - 1, Math.floor((x + 0.5) * sx));
      const Y = src[yRow + xx]!;
      const U = src[uOff + cRow + (xx >> 1)]! - 128;
      const V = src[vOff + cRow + (xx >> 1)]! - 128;
      data[o++] = clamp(Y + 1.402 * V);
      data[o++] = clamp(Y - 0.344136 * U - 0.714136 * V);
      data[o++] = clamp(Y + 1.772 * U);
    }
  }
  return { data, width: outWidth, height: outHeight, originalWidth: width, originalHeight: height };
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
