/**
 * Light temporal smoothing of keypoints, by time constant so that 5 fps and 30 fps streams are
 * smoothed alike. The estimator may smooth already; this keeps the coach robust to sources that
 * do not (datasets, other models). A camera cut (the body jumps or changes size at once) resets
 * the filter instead of dragging joints across the picture.
 */
import type { PoseFrame, PoseKeypoint } from './types.ts';

export interface SmoothingOptions {
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

export const DEFAULT_SMOOTHING: SmoothingOptions = { tau: 0.05, holdSeconds: 0.7, cutJump: 0.8 };

const SEEN = 0.25;
const HELD = new Set(['left_shoulder', 'right_shoulder', 'left_hip', 'right_hip']);

function bodyBox(kps: readonly PoseKeypoint[]): { cx: number; cy: number; size: number } | undefined {
  const seen = kps.filter((k) => k.score >= 0.25);
  if (seen.length < 4) return undefined;
  const xs = seen.map((k) => k.x);
  const ys = seen.map((k) => k.y);
  const w = Math.max(...xs) - Math.min(...xs);
  const h = Math.max(...ys) - Math.min(...ys);
  return { cx: (Math.max(...xs) + Math.min(...xs)) / 2, cy: (Math.max(...ys) + Math.min(...ys)) / 2, size: Math.max(w, h, 1) };
}

export class KeypointSmoother {
  private last: PoseFrame | undefined;
  /** When each joint was last seen with confidence. */
  private seenAt = new Map<string, number>();

  constructor(private readonly opts: SmoothingOptions = DEFAULT_SMOOTHING) {}

  /** True when the previous frame was dropped as the start of a camera cut. */
  cut = false;

  push(frame: PoseFrame): PoseFrame {
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
    const out = { ...frame, keypoints };
    this.last = out;
    return out;
  }

  private restart(frame: PoseFrame): void {
    this.last = frame.keypoints.length ? frame : undefined;
    this.seenAt.clear();
    for (const k of frame.keypoints) if (k.score >= SEEN) this.seenAt.set(k.name, frame.t);
  }

  reset(): void {
    this.last = undefined;
    this.seenAt.clear();
  }
}
