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
  /** A jump of the body centre larger than this many torso lengths between frames is a cut. */
  cutJump: number;
}

export const DEFAULT_SMOOTHING: SmoothingOptions = { tau: 0.05, cutJump: 0.8 };

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

  constructor(private readonly opts: SmoothingOptions = DEFAULT_SMOOTHING) {}

  /** True when the previous frame was dropped as the start of a camera cut. */
  cut = false;

  push(frame: PoseFrame): PoseFrame {
    const prev = this.last;
    this.cut = false;
    if (!prev || frame.keypoints.length === 0 || prev.keypoints.length !== frame.keypoints.length || this.opts.tau <= 0) {
      this.last = frame.keypoints.length ? frame : undefined;
      return frame;
    }
    const a = bodyBox(prev.keypoints);
    const b = bodyBox(frame.keypoints);
    if (a && b) {
      const jump = Math.hypot(a.cx - b.cx, a.cy - b.cy) / Math.max(a.size, b.size);
      const grow = Math.max(a.size, b.size) / Math.min(a.size, b.size);
      if (jump > this.opts.cutJump || grow > 1.6) {
        this.cut = true;
        this.last = frame;
        return frame;
      }
    }
    const dt = Math.max(0, frame.t - prev.t);
    const alpha = 1 - Math.exp(-dt / this.opts.tau);
    const keypoints = frame.keypoints.map((k, i) => {
      const p = prev.keypoints[i]!;
      if (p.name !== k.name || p.score < 0.1) return k;
      return { name: k.name, x: p.x + alpha * (k.x - p.x), y: p.y + alpha * (k.y - p.y), score: k.score };
    });
    const out = { ...frame, keypoints };
    this.last = out;
    return out;
  }

  reset(): void {
    this.last = undefined;
  }
}
