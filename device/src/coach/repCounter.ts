/**
 * The counting state machine every rep exercise shares, on one scalar signal (a joint angle or a
 * normalised position) with hysteresis:
 *
 *   waiting ──(in rest zone, posture right)──► ready ──(passes `top`)──► moving
 *   moving ──(back past top+hysteresis)──► ready, emitting a rep (went past `bottom`),
 *                                         a partial (went past `partial` only) or nothing.
 *
 * `waiting` is the ready pose: nothing counts until the person has been seen at rest in the
 * exercise's posture, so getting into position is never a rep. A single-frame glitch of the
 * estimator is removed by a median of the last three readings when they are close in time.
 */
import type { Features } from './features.ts';

export interface CountingThresholds {
  /** 'decreasing': the signal falls during the rep (a knee angle in a squat); 'increasing': it rises. */
  direction: 'decreasing' | 'increasing';
  /** Boundary of the rest zone: a rep starts when the signal passes it. */
  top: number;
  /** How far back past `top` the signal must return to finish a rep (stops jitter double-counting). */
  hysteresis: number;
  /** Reaching this is a complete rep. */
  bottom: number;
  /** Reaching this but not `bottom` is a partial rep. */
  partial: number;
  /** Shortest and longest plausible rep, seconds. */
  minRepSeconds: number;
  maxRepSeconds: number;
  /** Seconds without a usable signal (joints hidden, posture lost) before the counter waits for the ready pose again. */
  maxGapSeconds: number;
}

/** Readings closer together than this may be a one-frame estimator glitch (30 fps: three frames). */
const GLITCH_WINDOW_SECONDS = 0.1;

/** Seconds of the rest before a rep kept at the head of its trace (a curl's extension happens there). */
const REST_LEAD_SECONDS = 1.5;

/** `trace`: the frames of the rep, led by up to REST_LEAD_SECONDS of the rest before it. */
export type RepOutcome =
  | { kind: 'rep'; start: number; end: number; trace: Features[]; peak: number }
  | { kind: 'partial'; start: number; end: number; trace: Features[]; peak: number };

type State = 'waiting' | 'ready' | 'moving';

export class RepCounter {
  state: State = 'waiting';
  private recent: { t: number; v: number }[] = [];
  private lastSeen = -Infinity;
  private start = 0;
  private peak = 0;
  private trace: Features[] = [];
  private rest: Features[] = [];
  /** The smoothed signal of the last frame (for displays and tests). */
  value: number | undefined;

  constructor(private th: CountingThresholds) {}

  setThresholds(th: CountingThresholds): void {
    this.th = th;
  }

  /** Depth into the rep: larger is further from rest, whatever the signal's direction. */
  private depth(v: number): number {
    return this.th.direction === 'decreasing' ? -v : v;
  }

  /**
   * One frame. `signal` is undefined when it cannot be measured; `posture` is false when the
   * body is not in the exercise's position (standing for a squat, lying for a push-up).
   */
  push(f: Features, signal: number | undefined, posture: boolean): RepOutcome | undefined {
    const th = this.th;
    if (signal === undefined || !Number.isFinite(signal) || !posture) {
      if (f.t - this.lastSeen > th.maxGapSeconds) this.toWaiting();
      return undefined;
    }
    this.lastSeen = f.t;
    this.recent.push({ t: f.t, v: signal });
    while (this.recent.length > 3 || (this.recent.length && this.recent[0]!.t < f.t - GLITCH_WINDOW_SECONDS)) this.recent.shift();
    // Median of three only when three readings fall within the glitch window: at 5 fps one
    // frame may be the whole top of a rep, and must not be filtered away.
    const v = this.recent.length === 3 ? this.recent.map((r) => r.v).sort((a, b) => a - b)[1]! : signal;
    this.value = v;
    const d = this.depth(v);
    const top = this.depth(th.top);
    const rest = top - th.hysteresis;

    switch (this.state) {
      case 'waiting':
        if (d < top) this.state = 'ready';
        return undefined;
      case 'ready':
        if (d > top) {
          this.state = 'moving';
          this.start = f.t;
          this.peak = d;
          this.trace = [...this.rest, f];
          this.rest = [];
        } else {
          this.rest.push(f);
          while (this.rest.length && this.rest[0]!.t < f.t - REST_LEAD_SECONDS) this.rest.shift();
        }
        return undefined;
      case 'moving': {
        this.trace.push(f);
        this.peak = Math.max(this.peak, d);
        if (f.t - this.start > th.maxRepSeconds) {
          // Stuck away from rest (sat down, knelt, left the posture slowly): not a rep.
          this.toWaiting();
          return undefined;
        }
        if (d > rest) return undefined;
        this.state = 'ready';
        const duration = f.t - this.start;
        const trace = this.trace;
        this.trace = [];
        const peak = this.depth(this.peak); // back in signal units
        if (duration < th.minRepSeconds) return undefined;
        if (this.peak >= this.depth(th.bottom)) return { kind: 'rep', start: this.start, end: f.t, trace, peak };
        if (this.peak >= this.depth(th.partial)) return { kind: 'partial', start: this.start, end: f.t, trace, peak };
        return undefined;
      }
    }
  }

  private toWaiting(): void {
    this.state = 'waiting';
    this.trace = [];
    this.rest = [];
    this.recent = [];
  }

  reset(): void {
    this.toWaiting();
    this.lastSeen = -Infinity;
    this.value = undefined;
  }
}
