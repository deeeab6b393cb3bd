/**
 * Keypoint smoothing, in one place for the estimator and the coach. Both low-pass each joint's
 * x and y between frames; they differ in what they are for:
 * - `KeypointSmoother` (the estimator's): a One Euro filter per joint, its speed measured in
 *   person sizes, so a still joint stops jittering while a fast one does not lag.
 * - `SteadyKeypointSmoother` (the coach's): a fixed time constant, so 5 fps and 30 fps streams
 *   are smoothed alike; torso joints held through flickers; a camera cut restarts it. The
 *   estimator may smooth already; this keeps the coach robust to sources that do not
 *   (datasets, other models).
 */
import type { Keypoint } from '../types.ts';
import { OneEuroFilter, type OneEuroOptions } from './one-euro.ts';

export { OneEuroFilter, type OneEuroOptions };

/** What both smoothers read of a joint (the estimator's `Keypoint`, the coach's `PoseKeypoint`). */
export interface SmoothedKeypoint {
  name: string;
  x: number;
  y: number;
  score: number;
}

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
  apply<K extends SmoothedKeypoint = Keypoint>(keypoints: readonly K[], t: number, scale: number): K[] {
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

export interface SteadySmoothingOptions {
  /** Time constant in seconds (0 = off). */
  tau: number;
  /**
   * A torso joint (shoulder, hip) lost for at most this many seconds keeps its last confident
   * place: estimators flicker, and the torso sets the body's scale. Limbs are not held: a hand
   * that leaves the picture overhead must not stay where it was last seen.
   */
  holdSeconds: number;
  /** A jump of the body centre larger than this many torso lengths between frames is a cut. */
  cutJump: number;
}

export const DEFAULT_STEADY_SMOOTHING: SteadySmoothingOptions = { tau: 0.05, holdSeconds: 0.7, cutJump: 0.8 };

/** A frame as the steady smoother reads it: `t` in seconds, the joints in a fixed order. */
export interface SmoothedFrame {
  t: number;
  keypoints: readonly SmoothedKeypoint[];
}

const SEEN = 0.25;
const HELD = new Set(['left_shoulder', 'right_shoulder', 'left_hip', 'right_hip']);

function bodyBox(kps: readonly SmoothedKeypoint[]): { cx: number; cy: number; size: number } | undefined {
  const seen = kps.filter((k) => k.score >= SEEN);
  if (seen.length < 4) return undefined;
  const xs = seen.map((k) => k.x);
  const ys = seen.map((k) => k.y);
  const w = Math.max(...xs) - Math.min(...xs);
  const h = Math.max(...ys) - Math.min(...ys);
  return { cx: (Math.max(...xs) + Math.min(...xs)) / 2, cy: (Math.max(...ys) + Math.min(...ys)) / 2, size: Math.max(w, h, 1) };
}

/** Fixed time-constant smoothing of whole frames, with torso holds and camera-cut restarts. */
export class SteadyKeypointSmoother<F extends SmoothedFrame = SmoothedFrame> {
  private last: F | undefined;
  /** When each joint was last seen with confidence. */
  private seenAt = new Map<string, number>();

  constructor(private readonly opts: SteadySmoothingOptions = DEFAULT_STEADY_SMOOTHING) {}

  /** True when the previous frame was dropped as the start of a camera cut. */
  cut = false;

  push(frame: F): F {
    const prev = this.last;
    this.cut = false;
    if (!prev || frame.keypoints.length === 0 || prev.keypoints.length !== frame.keypoints.length) {
      this.restart(frame);
      return frame;
    }
    const a = bodyBox(prev.keypoints);
    const b = bodyBox(frame.keypoints);
    if (a && b) {
      const jump = Math.hypot(a.cx - b.cx, a.cy - b.cy) / Math.max(a.size, b.size);
      const grow = Math.max(a.size, b.size) / Math.min(a.size, b.size);
      if (jump > this.opts.cutJump || grow > 1.6) {
        this.cut = true;
        this.restart(frame);
        return frame;
      }
    }
    const dt = Math.max(0, frame.t - prev.t);
    const alpha = this.opts.tau > 0 ? 1 - Math.exp(-dt / this.opts.tau) : 1;
    const keypoints = frame.keypoints.map((k, i) => {
      const p = prev.keypoints[i]!;
      if (p.name !== k.name) return k;
      if (k.score < SEEN) {
        // Lost this frame: keep the last confident place for a moment rather than drop the joint.
        const seen = this.seenAt.get(k.name);
        return HELD.has(k.name) && p.score >= SEEN && seen !== undefined && frame.t - seen <= this.opts.holdSeconds ? p : k;
      }
      this.seenAt.set(k.name, frame.t);
      if (p.score < SEEN) return k;
      return { name: k.name, x: p.x + alpha * (k.x - p.x), y: p.y + alpha * (k.y - p.y), score: k.score };
    });
    // The joints keep their type's fields; only x and y change.
    const out = { ...frame, keypoints } as F;
    this.last = out;
    return out;
  }

  private restart(frame: F): void {
    this.last = frame.keypoints.length ? frame : undefined;
    this.seenAt.clear();
    for (const k of frame.keypoints) if (k.score >= SEEN) this.seenAt.set(k.name, frame.t);
  }

  reset(): void {
    this.last = undefined;
    this.seenAt.clear();
  }
}
