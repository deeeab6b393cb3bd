import type { Frame } from '../types.ts';
import type { CropRegion } from './crop-region.ts';

/**
 * Crops `region` out of an RGB frame and resizes it bilinearly to size × size, as the int32
 * NHWC values MoveNet takes (0..255, no normalisation). Pixels outside the frame are black,
 * like tf.image.cropAndResize's extrapolation value 0. Done in plain JS into a reused buffer:
 * cheaper than three tensor ops per frame and nothing to leak.
 */
export function cropAndResize(frame: Frame, region: CropRegion, size: number, out = new Int32Array(size * size * 3)): Int32Array {
  const { data, width: W, height: H } = frame;
  // Pixel centres: output pixel i samples the region at (i + 0.5) / size.
  const sx = (region.width * W) / size;
  const sy = (region.height * H) / size;
  const x0 = region.xMin * W;
  const y0 = region.yMin * H;
  let o = 0;
  for (let i = 0; i < size; i++) {
    const fy = y0 + (i + 0.5) * sy - 0.5;
    const yA = Math.floor(fy);
    const wy = fy - yA;
    const rowA = yA >= 0 && yA < H ? yA * W * 3 : -1;
    const rowB = yA + 1 >= 0 && yA + 1 < H ? (yA + 1) * W * 3 : -1;
    for (let j = 0; j < size; j++) {
      const fx = x0 + (j + 0.5) * sx - 0.5;
      const xA = Math.floor(fx);
      const wx = fx - xA;
      const inA = xA >= 0 && xA < W;
      const inB = xA + 1 >= 0 && xA + 1 < W;
      const cA = xA * 3;
      const cB = cA + 3;
      for (let c = 0; c < 3; c++) {
        const p00 = rowA >= 0 && inA ? data[rowA + cA + c]! : 0;
        const p01 = rowA >= 0 && inB ? data[rowA + cB + c]! : 0;
        const p10 = rowB >= 0 && inA ? data[rowB + cA + c]! : 0;
        const p11 = rowB >= 0 && inB ? data[rowB + cB + c]! : 0;
        const top = p00 + (p01 - p00) * wx;
        const bottom = p10 + (p11 - p10) * wx;
        out[o++] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}
