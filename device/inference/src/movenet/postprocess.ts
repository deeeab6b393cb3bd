import { KEYPOINT_NAMES, type Keypoint } from '../types.ts';
import type { CropRegion } from './crop-region.ts';

/**
 * MoveNet's output [1, 1, 17, 3] holds (y, x, score) normalised to the crop. Maps them to pixels
 * of a frame of the given size (the original camera size when the source downscaled).
 */
export function keypointsFromOutput(output: ArrayLike<number>, region: CropRegion, width: number, height: number): Keypoint[] {
  return KEYPOINT_NAMES.map((name, i) => ({
    name,
    x: (region.xMin + output[i * 3 + 1]! * region.width) * width,
    y: (region.yMin + output[i * 3]! * region.height) * height,
    score: output[i * 3 + 2]!,
  }));
}

export function meanScore(keypoints: Keypoint[]): number {
  return keypoints.reduce((s, k) => s + k.score, 0) / keypoints.length;
}
