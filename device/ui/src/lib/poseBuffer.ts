/**
 * The latest two camera frames' joints, outside Svelte's reactivity: poses arrive 30 times a
 * second and only the canvas reads them, once per animation frame. `sample()` blends from the
 * previous frame to the newest over one camera interval, so the overlay moves at the display's
 * rate, one camera frame behind.
 */
import type { LiveKeypoint, PoseEvent } from '@pose-coach/protocol';
import { blendKeypoints } from './skeleton.ts';

interface Stamped {
  keypoints: LiveKeypoint[];
  at: number;
  width?: number | undefined;
  height?: number | undefined;
}

export interface PoseSample {
  keypoints: LiveKeypoint[];
  width?: number | undefined;
  height?: number | undefined;
  /** Which received frame this sample ends at (counts distinct frames drawn). */
  version: number;
}

/** No frame for this long: nobody is drawn (the camera stopped or the person left). */
export const STALE_MS = 1000;

export class PoseBuffer {
  private prev: Stamped | undefined;
  private last: Stamped | undefined;
  version = 0;

  push(e: PoseEvent, at: number): void {
    this.prev = this.last;
    this.last = { keypoints: e.keypoints, at, width: e.width, height: e.height };
    this.version++;
  }

  clear(): void {
    this.prev = this.last = undefined;
  }

  sample(now: number, smooth = true): PoseSample | undefined {
    const last = this.last;
    if (!last || last.keypoints.length === 0 || now - last.at > STALE_MS) return undefined;
    const prev = this.prev && this.prev.keypoints.length > 0 ? this.prev : undefined;
    let keypoints = last.keypoints;
    if (smooth && prev) {
      // The camera's own interval, bounded so a hiccup neither freezes nor teleports the body.
      const interval = Math.min(200, Math.max(10, last.at - prev.at));
      keypoints = blendKeypoints(prev.keypoints, last.keypoints, (now - last.at) / interval);
    }
    return { keypoints, width: last.width, height: last.height, version: this.version };
  }
}
