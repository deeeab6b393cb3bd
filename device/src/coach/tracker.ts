/**
 * Follows one exercise through a stream of features: counts and scores its reps (or times its
 * hold, for a plank). The coach runs one for the chosen exercise, or one per exercise side by
 * side while it is still recognising which one the person is doing.
 */
import type { Check, HoldExercise, RepExercise } from './exercises/index.ts';
import type { Features } from './features.ts';
import { mean } from './geometry.ts';
import { RepCounter } from './repCounter.ts';
import { forView, type HoldThresholds, type RepThresholds } from './thresholds.ts';
import type { ExerciseName, View } from './types.ts';

export interface ScoredRep {
  start: number;
  end: number;
  score: number;
  checks: Check[];
  /** Whether the rep had this exercise's signature (used to recognise the exercise). */
  signature: boolean;
}

export type TrackerResult =
  | { kind: 'rep'; rep: ScoredRep }
  | { kind: 'partial'; start: number; end: number; signature: boolean; score: number }
  | { kind: 'hold'; seconds: number; segment?: ScoredRep };

export interface ExerciseTracker {
  readonly name: ExerciseName;
  readonly reps: ScoredRep[];
  readonly partials: number;
  /** The score of each partial rep (an attempt too shallow to count scores low). */
  readonly partialScores: readonly number[];
  /** Plank: seconds held so far. */
  readonly holdSeconds: number;
  push(f: Features, view: View): TrackerResult | undefined;
  /** Closes what is open at the end of a session (a plank's last stretch). */
  finish(): TrackerResult | undefined;
}

/** Highest score of a partial rep: it did not reach the movement's range. */
const PARTIAL_SCORE_CAP = 0.4;

/** Longest step between frames in position that counts as held time (5 fps steps are 0.2 s). */
const MAX_COUNTED_STEP = 0.3;

/**
 * A rep's score: the mean of its checks, capped half way between the worst check and 1, so a
 * rep with a failed check (one that earns a correction) can never read as a perfect rep.
 */
export const scoreOf = (checks: readonly Check[]): number => {
  if (!checks.length) return 1;
  const worst = Math.min(...checks.map((c) => c.score));
  return Math.min(mean(checks.map((c) => c.score)), (1 + worst) / 2);
};

export class RepTracker implements ExerciseTracker {
  readonly reps: ScoredRep[] = [];
  partials = 0;
  readonly partialScores: number[] = [];
  readonly holdSeconds = 0;
  private readonly counter: RepCounter;
  private view: View | undefined;
  private feetUnseen = false;

  constructor(private readonly ex: RepExercise, private readonly th: RepThresholds) {
    this.counter = new RepCounter(forView(th, 'front').counting);
  }

  get name(): ExerciseName {
    return this.ex.name;
  }

  push(f: Features, view: View): TrackerResult | undefined {
    // The legs seen only to the knees: the knee is read from the thigh, some exercises count it on their own scale.
    const feetUnseen = f.present && !f.legsVisible && (f.knee.left !== undefined || f.knee.right !== undefined);
    const t = forView(this.th, view, feetUnseen);
    if (view !== this.view || feetUnseen !== this.feetUnseen) {
      this.counter.setThresholds(t.counting);
      this.view = view;
      this.feetUnseen = feetUnseen;
    }
    const posture = f.present && this.ex.posture(f, view, t.posture);
    const out = this.counter.push(f, posture ? this.ex.signal(f, view, t.posture) : undefined, posture);
    if (!out) return undefined;
    const signature = this.ex.signature(out.trace, view, t.form, t.posture);
    const checks = this.ex.checks(out.trace, view, t.form);
    if (out.kind === 'partial') {
      this.partials++;
      // Too shallow to count: the depth (or reach) check fails, whatever the checks say.
      const score = Math.min(scoreOf(checks), PARTIAL_SCORE_CAP);
      this.partialScores.push(score);
      return { kind: 'partial', start: out.start, end: out.end, signature, score };
    }
    const rep: ScoredRep = { start: out.start, end: out.end, score: scoreOf(checks), checks, signature };
    this.reps.push(rep);
    return { kind: 'rep', rep };
  }

  finish(): TrackerResult | undefined {
    return undefined;
  }
}

/**
 * A plank's hold: starts after `settleSeconds` in position, survives breaks shorter than
 * `graceSeconds`, and is scored in stretches of `segmentSeconds`.
 */
export class HoldTracker implements ExerciseTracker {
  readonly reps: ScoredRep[] = [];
  readonly partials = 0;
  readonly partialScores: number[] = [];
  holdSeconds = 0;
  private since: number | undefined; // in position since
  private lastIn: number | undefined;
  private holding = false;
  private segment: Features[] = [];
  private segmentStart = 0;
  /** The still angle at the start of the current stretch in position. */
  private stillRef: number[] = [];

  constructor(private readonly ex: HoldExercise, private readonly th: HoldThresholds) {}

  get name(): ExerciseName {
    return this.ex.name;
  }

  push(f: Features): TrackerResult | undefined {
    const h = this.th.hold;
    const inPos = this.ex.inPosition(f, h) && this.steady(f);
    let closed: ScoredRep | undefined;
    if (inPos) {
      if (this.lastIn === undefined || f.t - this.lastIn > h.graceSeconds) {
        // A new stretch in position (the first, or after a break too long to bridge).
        closed = this.closeSegment();
        this.since = f.t;
        this.holding = false;
      } else if (this.holding && f.t - this.lastIn <= MAX_COUNTED_STEP) {
        // A break bridged by the grace period keeps the hold going but adds no time.
        this.holdSeconds += f.t - this.lastIn;
      }
      if (!this.holding && this.since !== undefined && f.t - this.since >= h.settleSeconds) {
        this.holding = true;
        this.holdSeconds += f.t - this.since;
        this.segmentStart = this.since;
        this.segment = [];
      }
      this.lastIn = f.t;
      if (this.holding) {
        this.segment.push(f);
        if (f.t - this.segmentStart >= this.th.form.segmentSeconds!) closed = this.closeSegment() ?? closed;
      }
    } else if (this.holding && this.lastIn !== undefined && f.t - this.lastIn > h.graceSeconds) {
      closed = this.closeSegment();
      this.holding = false;
    }
    if (!this.holding && !closed) return undefined;
    return { kind: 'hold', seconds: this.holdSeconds, segment: closed };
  }

  /** False when the still angle has moved far from where it was as the hold began. */
  private steady(f: Features): boolean {
    const v = this.ex.still(f);
    // A new stretch in position takes a new reference from its first frames.
    if (this.lastIn === undefined || f.t - this.lastIn > this.th.hold.graceSeconds) this.stillRef = [];
    // Unseen once the reference is set: not counted (a short gap is bridged by graceSeconds).
    if (v === undefined) return this.stillRef.length < 5;
    if (this.stillRef.length < 5) {
      this.stillRef.push(v);
      return true;
    }
    const ref = [...this.stillRef].sort((a, b) => a - b)[2]!;
    return Math.abs(v - ref) <= this.th.hold.maxArmChange;
  }

  private closeSegment(): ScoredRep | undefined {
    const seg = this.segment;
    this.segment = [];
    if (seg.length < 2) return undefined;
    const checks = this.ex.checks(seg, this.th.form);
    const rep: ScoredRep = { start: this.segmentStart, end: seg[seg.length - 1]!.t, score: scoreOf(checks), checks, signature: true };
    this.segmentStart = rep.end;
    // A stretch shorter than a second at the very end adds nothing worth scoring.
    if (rep.end - rep.start < 1 && this.reps.length) return undefined;
    this.reps.push(rep);
    return rep;
  }

  finish(): TrackerResult | undefined {
    const seg = this.holding ? this.closeSegment() : undefined;
    this.holding = false;
    return seg ? { kind: 'hold', seconds: this.holdSeconds, segment: seg } : undefined;
  }
}
