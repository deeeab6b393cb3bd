/**
 * The One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cutoff rises
 * with speed, so joints at rest stop jittering while fast moves do not lag.
 */
export interface OneEuroOptions {
  /** Cutoff (Hz) at rest: lower = steadier but laggier. */
  minCutoff: number;
  /** How fast the cutoff rises with speed. */
  beta: number;
  /** Cutoff (Hz) of the speed estimate. */
  dCutoff: number;
}

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

export class OneEuroFilter {
  private x: number | undefined;
  private dx = 0;
  private t: number | undefined;

  constructor(private readonly opts: OneEuroOptions) {}

  /**
   * Filters `value` observed at time `t` (seconds). The speed that opens the cutoff is divided by
   * `speedScale` (e.g. the person's size in pixels), so one `beta` suits near and far people while
   * the filter's state stays in the value's own units (a changing scale makes no jumps).
   */
  filter(value: number, t: number, speedScale = 1): number {
    if (this.x === undefined || this.t === undefined || t <= this.t) {
      // First sample, or time that does not advance (the same still twice): nothing to filter.
      this.x = value;
      this.t = t;
      return value;
    }
    const dt = t - this.t;
    this.t = t;
    const rawDx = (value - this.x) / dt;
    this.dx += alpha(this.opts.dCutoff, dt) * (rawDx - this.dx);
    const cutoff = this.opts.minCutoff + (this.opts.beta * Math.abs(this.dx)) / speedScale;
    this.x += alpha(cutoff, dt) * (value - this.x);
    return this.x;
  }

  reset(): void {
    this.x = undefined;
    this.t = undefined;
    this.dx = 0;
  }
}
