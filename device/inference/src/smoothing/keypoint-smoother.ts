import type { Keypoint } from '../types.ts';
import { OneEuroFilter, type OneEuroOptions } from './one-euro.ts';

/**
 * MediaPipe's pose landmark filter settings (mediapipe/modules/pose_landmark/
 * pose_landmark_filtering.pbtxt), where speeds are measured in person sizes per second, so the
 * same settings fit a person near or far from the camera.
 */
export const DEFAULT_SMOOTHING: OneEuroOptions = { minCutoff: 0.05, beta: 80, dCutoff: 1 };

/** One Euro filter on x and y of each joint, its speed measured in units of the person's size. */
export class KeypointSmoother {
  private filters = new Map<string, [OneEuroFilter, OneEuroFilter]>();

  constructor(private readonly opts: OneEuroOptions = DEFAULT_SMOOTHING) {}

  /** `t` in seconds; `scale` the person's size in pixels (e.g. the crop side). */
  apply(keypoints: Keypoint[], t: number, scale: number): Keypoint[] {
    const s = scale > 0 ? scale : 1;
    return keypoints.map((k) => {
      let f = this.filters.get(k.name);
      if (!f) {
        f = [new OneEuroFilter(this.opts), new OneEuroFilter(this.opts)];
        this.filters.set(k.name, f);
      }
      return { ...k, x: f[0].filter(k.x, t, s), y: f[1].filter(k.y, t, s) };
    });
  }

  reset(): void {
    this.filters.clear();
  }
}
