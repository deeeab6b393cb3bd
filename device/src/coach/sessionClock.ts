/**
 * When a workout session starts and ends: it starts when a person stands (or lies) ready in
 * frame, survives short pauses and someone stepping out briefly, and ends after
 * `absenceSeconds` without anyone in frame or `restSeconds` without a rep or hold.
 */
import type { Features } from './features.ts';

export interface SessionOptions {
  /** Seconds a person must be seen ready in frame before a session starts. */
  readySeconds: number;
  /** Seconds nobody is in frame before the session ends. */
  absenceSeconds: number;
  /** Seconds without a rep (or plank hold) before the session ends. */
  restSeconds: number;
}

export const DEFAULT_SESSION: SessionOptions = { readySeconds: 0.2, absenceSeconds: 10, restSeconds: 60 };

/**
 * Upright or lying: a position an exercise starts from. The legs need not be in the picture
 * (a mirror close up sees only the upper body of someone curling).
 */
export function readyPosture(f: Features): boolean {
  if (!f.present) return false;
  return f.horizontal || (f.torsoLean ?? 90) < 35;
}

export class SessionClock {
  private readySince: number | undefined;
  lastSeen = -Infinity;
  lastActivity = -Infinity;

  constructor(private readonly opts: SessionOptions) {}

  /** Before a session: true when this frame completes the ready pose. */
  readyToStart(f: Features): boolean {
    if (!readyPosture(f)) {
      this.readySince = undefined;
      return false;
    }
    this.readySince ??= f.t;
    return f.t - this.readySince >= this.opts.readySeconds;
  }

  started(t: number): void {
    this.readySince = undefined;
    this.lastSeen = t;
    this.lastActivity = t;
  }

  seen(f: Features): void {
    if (f.present) this.lastSeen = f.t;
  }

  active(t: number): void {
    this.lastActivity = t;
  }

  /** Why the session should end at `t`, if it should. */
  expired(t: number): 'absent' | 'rest' | undefined {
    if (t - this.lastSeen > this.opts.absenceSeconds) return 'absent';
    if (t - this.lastActivity > this.opts.restSeconds) return 'rest';
    return undefined;
  }
}
