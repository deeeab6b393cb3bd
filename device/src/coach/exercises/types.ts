/** What one exercise module provides. Adding an exercise = one module + one thresholds file. */
import type { Features } from '../features.ts';
import type { ExerciseName, View } from '../types.ts';

/** A cue: the words said live, and the short point a session summary keeps. */
export interface Cue {
  say: string;
  point: string;
}

/** One explicit form check of a rep, graded 0..1. */
export interface Check {
  id: string;
  score: number;
  /** Said when the check scores poorly. */
  cue: Cue;
  /** Said (sometimes) when it scores well. */
  praise: Cue;
}

export type Numbers = Record<string, number>;

export interface RepExercise {
  kind: 'reps';
  name: ExerciseName;
  /** The counting signal for this frame, from the joints `view` shows well. */
  signal(f: Features, view: View, posture: Numbers): number | undefined;
  /** Is the body in this exercise's position (standing, lying, arms raised …)? */
  posture(f: Features, view: View, posture: Numbers): boolean;
  /** Form checks of one rep (`trace`: its frames, first to last). Checks a view cannot judge are left out. */
  checks(trace: readonly Features[], view: View, form: Numbers): Check[];
  /** Said after a partial rep. */
  partialCue: Cue;
  /** Whether a counted rep has this exercise's signature (tells a squat from a lunge, a jack from a press). */
  signature(trace: readonly Features[], view: View, form: Numbers, posture: Numbers): boolean;
}

export interface HoldExercise {
  kind: 'hold';
  name: ExerciseName;
  inPosition(f: Features, hold: Numbers): boolean;
  /** An angle that stays put while holding (a plank's elbows); moving it far means leaving the hold. */
  still(f: Features): number | undefined;
  checks(segment: readonly Features[], form: Numbers): Check[];
}

export type ExerciseModule = RepExercise | HoldExercise;

/** The frame of a trace where `value` is smallest (or largest), ignoring frames without it. */
export function extremeFrame(trace: readonly Features[], value: (f: Features) => number | undefined, want: 'min' | 'max'): { f: Features; v: number } | undefined {
  let best: { f: Features; v: number } | undefined;
  for (const f of trace) {
    const v = value(f);
    if (v === undefined) continue;
    if (!best || (want === 'min' ? v < best.v : v > best.v)) best = { f, v };
  }
  return best;
}

export function range(trace: readonly Features[], value: (f: Features) => number | undefined): number | undefined {
  const lo = extremeFrame(trace, value, 'min');
  const hi = extremeFrame(trace, value, 'max');
  return lo && hi ? hi.v - lo.v : undefined;
}

export const standing = (f: Features): boolean => f.present && !f.horizontal;

/**
 * How far the shoulders travel up and down with `arm` (an angle) over a trace, in torso lengths:
 * the least-squares slope of their height against the angle, times the angle's range. A pull-up
 * lifts the body as the elbows bend; a camera that pans, zooms or shakes moves the picture
 * whatever the arms do, so its motion does not enter (measuring raw travel in the picture, a
 * hand-held camera made every press a pull-up).
 */
export function travelWithArms(trace: readonly Features[], arm: (f: Features) => number | undefined, height: (f: Features) => number | undefined = (f) => f.shoulderHeight): number {
  const pts: { a: number; y: number }[] = [];
  for (const f of trace) {
    const a = arm(f);
    const y = height(f);
    if (a !== undefined && y !== undefined) pts.push({ a, y });
  }
  if (pts.length < 3) return 0;
  const ma = pts.reduce((s, p) => s + p.a, 0) / pts.length;
  const my = pts.reduce((s, p) => s + p.y, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    sxy += (p.a - ma) * (p.y - my);
    sxx += (p.a - ma) ** 2;
  }
  if (sxx === 0) return 0;
  const angles = pts.map((p) => p.a);
  return Math.abs(sxy / sxx) * (Math.max(...angles) - Math.min(...angles));
}

/**
 * The largest difference between the two hip angles (torso–thigh) over the deep part of a rep,
 * the frames within `near` degrees of its lowest `knee`: a split stance (lunge) bends the front
 * hip and leaves the back one open; a squat bends both alike. It needs only the shoulders, hips
 * and knees, so it still tells the two apart with the feet out of the picture (it looks over the
 * deep frames, not the single lowest one, as the back leg often hides behind the front one there).
 */
export function hipSplit(trace: readonly Features[], knee: (f: Features) => number | undefined, near = 15): number | undefined {
  const bottom = extremeFrame(trace, knee, 'min');
  if (!bottom) return undefined;
  let split: number | undefined;
  for (const f of trace) {
    const k = knee(f);
    const { left, right } = f.hip;
    if (k === undefined || k > bottom.v + near || left === undefined || right === undefined) continue;
    split = Math.max(split ?? 0, Math.abs(left - right));
  }
  return split;
}
