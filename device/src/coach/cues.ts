/**
 * Live cues and the session's feedback points. A cue is not repeated within `cooldownSeconds`
 * (nobody wants to hear "go deeper" every rep); praise is given when a rep's form is good, at most
 * as often. Feedback points are the session's most frequent corrections plus one positive point,
 * as the original app stored them ("Keep knees aligned", "Great depth").
 */
import type { Check, Cue } from './exercises/index.ts';

export interface CueOptions {
  /** Seconds before the same words may be said again. */
  cooldownSeconds: number;
  /** A check scoring below this earns its correction. */
  correctBelow: number;
  /** A rep scoring at least this earns praise (when no correction is due). */
  praiseAbove: number;
  /** Corrections kept in the feedback points (plus one positive point). */
  maxPoints: number;
}

export const DEFAULT_CUES: CueOptions = { cooldownSeconds: 4, correctBelow: 0.6, praiseAbove: 0.85, maxPoints: 3 };

export interface SpokenCue {
  text: string;
  positive: boolean;
}

export class CueBook {
  private lastSaid = new Map<string, number>();
  private corrections = new Map<string, number>();
  private praises = new Map<string, number>();
  private lastPraise = -Infinity;

  constructor(private readonly opts: CueOptions = DEFAULT_CUES) {}

  /** The corrections a rep's checks call for (its `cues` in the rep detail). */
  correctionsFor(checks: readonly Check[]): Cue[] {
    return checks.filter((c) => c.score < this.opts.correctBelow).sort((a, b) => a.score - b.score).map((c) => c.cue);
  }

  /** Records a scored rep; returns what to say now (nothing when it was said too recently). */
  afterRep(t: number, checks: readonly Check[], score: number): SpokenCue[] {
    const corrections = this.correctionsFor(checks);
    for (const c of corrections) this.corrections.set(c.point, (this.corrections.get(c.point) ?? 0) + 1);
    const good = checks.filter((c) => c.score >= this.opts.praiseAbove);
    for (const c of good) this.praises.set(c.praise.point, (this.praises.get(c.praise.point) ?? 0) + 1);
    const out: SpokenCue[] = [];
    const worst = corrections[0];
    if (worst) {
      const said = this.say(t, worst.say, false);
      if (said) out.push(said);
    } else if (score >= this.opts.praiseAbove && good.length && t - this.lastPraise >= this.opts.cooldownSeconds) {
      // Praise the best-done check, rotating through the ones that are good so it does not drone.
      const pick = [...good].sort((a, b) => (this.lastSaid.get(a.praise.say) ?? -Infinity) - (this.lastSaid.get(b.praise.say) ?? -Infinity))[0]!;
      const said = this.say(t, pick.praise.say, true);
      if (said) {
        this.lastPraise = t;
        out.push(said);
      }
    }
    return out;
  }

  /** Says `text` unless it was said within the cooldown. */
  say(t: number, text: string, positive: boolean): SpokenCue | undefined {
    const last = this.lastSaid.get(text);
    if (last !== undefined && t - last < this.opts.cooldownSeconds) return undefined;
    this.lastSaid.set(text, t);
    return { text, positive };
  }

  /** Counts a correction that is not tied to a scored rep (a partial rep). */
  note(cue: Cue): void {
    this.corrections.set(cue.point, (this.corrections.get(cue.point) ?? 0) + 1);
  }

  /** The most frequent distinct corrections, then the most frequent positive point. */
  feedbackPoints(): string[] {
    const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([p]) => p);
    const points = byCount(this.corrections).slice(0, this.opts.maxPoints);
    const positive = byCount(this.praises)[0];
    if (positive) points.push(positive);
    return points;
  }
}
