/**
 * Frame pacing of the overlay: each animation frame's time since the previous one and how long
 * drawing took. A frame counts as dropped when its interval is over 1.5× the display's refresh
 * interval (the median interval), i.e. at least one vsync was missed.
 */
export interface FrameReport {
  frames: number;
  dropped: number;
  /** Median interval between animation frames (ms): the display's refresh as the browser runs it. */
  refreshMs: number;
  drawMsP95: number;
  drawMsMax: number;
  /** Camera frames with somebody in them that arrived, and how many of them reached the screen. */
  posesReceived: number;
  posesDrawn: number;
}

export class FrameMeter {
  private intervals: number[] = [];
  private draws: number[] = [];
  private last: number | undefined;
  posesReceived = 0;
  posesDrawn = 0;

  frame(now: number, drawMs: number): void {
    if (this.last !== undefined) this.intervals.push(now - this.last);
    this.last = now;
    this.draws.push(drawMs);
    // Bounded: about a minute at 60 Hz is plenty for a pacing check.
    if (this.intervals.length > 4000) this.intervals.splice(0, 1000);
    if (this.draws.length > 4000) this.draws.splice(0, 1000);
  }

  /** A pause (screen without the overlay) is not a dropped frame. */
  pause(): void {
    this.last = undefined;
  }

  reset(): void {
    this.intervals = [];
    this.draws = [];
    this.last = undefined;
    this.posesReceived = 0;
    this.posesDrawn = 0;
  }

  report(): FrameReport {
    const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
    const iv = sorted(this.intervals);
    const dr = sorted(this.draws);
    const refreshMs = iv.length ? iv[Math.floor(iv.length / 2)]! : 0;
    return {
      frames: this.intervals.length,
      dropped: iv.filter((d) => d > refreshMs * 1.5).length,
      refreshMs,
      drawMsP95: dr.length ? dr[Math.floor(dr.length * 0.95)]! : 0,
      drawMsMax: dr.length ? dr[dr.length - 1]! : 0,
      posesReceived: this.posesReceived,
      posesDrawn: this.posesDrawn,
    };
  }
}
