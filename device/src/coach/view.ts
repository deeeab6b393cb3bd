/**
 * Camera view from the apparent shoulder width (relative to torso length): facing the camera
 * the shoulders look ~0.6–0.8 torso lengths wide, side on they overlap. The view is the most
 * frequent raw reading over the last second, so a single odd frame does not flip it.
 */
import type { Features } from './features.ts';
import type { View } from './types.ts';

export interface ViewOptions {
  /** Shoulder width (torso lengths) at or above which the view is front. */
  front: number;
  /** Shoulder width at or below which the view is side. */
  side: number;
  /** Seconds of readings the view is decided over. */
  window: number;
}

export const DEFAULT_VIEW: ViewOptions = { front: 0.45, side: 0.22, window: 1 };

export function rawView(f: Features, opts: ViewOptions = DEFAULT_VIEW): View | undefined {
  if (f.shoulderWidth === undefined) return undefined;
  if (f.shoulderWidth >= opts.front) return 'front';
  if (f.shoulderWidth <= opts.side) return 'side';
  return 'three_quarter';
}

export class ViewTracker {
  private readings: { t: number; view: View }[] = [];
  current: View | null = null;

  constructor(private readonly opts: ViewOptions = DEFAULT_VIEW) {}

  /** Feeds one frame; returns the new view when it changed. */
  push(f: Features): View | undefined {
    const v = rawView(f, this.opts);
    if (v) this.readings.push({ t: f.t, view: v });
    while (this.readings.length && this.readings[0]!.t < f.t - this.opts.window) this.readings.shift();
    if (!this.readings.length) return undefined;
    const counts = new Map<View, number>();
    for (const r of this.readings) counts.set(r.view, (counts.get(r.view) ?? 0) + 1);
    let best: View = this.readings[0]!.view;
    for (const [view, n] of counts) if (n > (counts.get(best) ?? 0)) best = view;
    if (best !== this.current) {
      this.current = best;
      return best;
    }
    return undefined;
  }

  /** The view to count with: the tracked one, or front until one is known. */
  get view(): View {
    return this.current ?? 'front';
  }

  reset(): void {
    this.readings = [];
    this.current = null;
  }
}
