/**
 * Never a backlog: a producer (the camera) keeps only its newest frame here, and a consumer
 * (inference) takes that one when it is ready, so when inference is slower than the camera it
 * always works on the latest picture and the frames in between are dropped, counted.
 * Reading the camera's pipe continuously also keeps the camera process from blocking on a
 * full pipe and delivering stale frames later.
 */
export interface FrameRateStats {
  /** Frames the source delivered. */
  captured: number;
  /** Frames handed to the consumer. */
  taken: number;
  /** Frames overwritten before anyone took them. */
  dropped: number;
  /** Frames taken per second over the last few seconds: the rate inference reached. */
  fps: number;
  /** Frames the source delivered per second, over the same window. */
  sourceFps: number;
}

export class NewestFrameMailbox<T> {
  private slot: T | undefined;
  private waiter: ((v: T | undefined) => void) | undefined;
  private handoff: NodeJS.Immediate | undefined;
  private closed = false;
  private error: unknown;
  private captured = 0;
  private taken = 0;
  private dropped = 0;
  private takenTimes: number[] = [];
  private vacancy: (() => void) | undefined;
  private capturedTimes: number[] = [];

  constructor(private readonly windowMs = 3000) {}

  /** The camera delivered a frame: it replaces any frame not yet taken. */
  put(frame: T): void {
    if (this.closed) return;
    this.captured++;
    this.remember(this.capturedTimes);
    if (this.slot !== undefined) this.dropped++;
    this.slot = frame;
    // Hand over on the next turn of the event loop, not now: frames that already sit in the
    // pipe are read first, so a waiting consumer gets the newest of them, not the oldest.
    if (this.waiter && !this.handoff) this.handoff = setImmediate(() => this.deliver());
  }

  private deliver(): void {
    this.handoff = undefined;
    const w = this.waiter;
    if (!w || this.slot === undefined) return;
    this.waiter = undefined;
    const f = this.slot;
    this.slot = undefined;
    this.markTaken();
    w(f);
  }

  /** No more frames (the source ended, or failed with `error`). */
  close(error?: unknown): void {
    this.closed = true;
    this.error = error;
    const v = this.vacancy;
    this.vacancy = undefined;
    v?.();
    if (this.waiter && this.slot === undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w(undefined);
    }
  }

  /** The newest frame, waiting for one if none is pending; undefined once closed and empty. */
  async take(): Promise<T | undefined> {
    if (this.slot !== undefined) {
      const f = this.slot;
      this.slot = undefined;
      this.markTaken();
      return f;
    }
    if (this.closed) {
      if (this.error) throw this.error;
      return undefined;
    }
    const frame = await new Promise<T | undefined>((resolve) => (this.waiter = resolve));
    if (frame === undefined && this.error) throw this.error;
    return frame;
  }

  stats(): FrameRateStats {
    const now = performance.now();
    const rate = (times: number[]) => {
      while (times.length && times[0]! < now - this.windowMs) times.shift();
      if (times.length < 2) return 0;
      return ((times.length - 1) * 1000) / Math.max(1, times[times.length - 1]! - times[0]!);
    };
    return { captured: this.captured, taken: this.taken, dropped: this.dropped, fps: rate(this.takenTimes), sourceFps: rate(this.capturedTimes) };
  }

  /** Resolves once the frame put last has been taken (or the mailbox closed): a producer that must not drop frames waits on it. */
  vacant(): Promise<void> {
    if (this.slot === undefined || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.vacancy = resolve));
  }

  private markTaken(): void {
    const v = this.vacancy;
    this.vacancy = undefined;
    v?.();
    this.taken++;
    this.remember(this.takenTimes);
  }

  /** Keeps the arrival times of the last window only: memory stays flat however long it runs. */
  private remember(times: number[]): void {
    const now = performance.now();
    times.push(now);
    while (times.length && times[0]! < now - this.windowMs) times.shift();
  }
}
