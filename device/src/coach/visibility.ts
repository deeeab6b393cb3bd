/**
 * The rule for "too little visible": rather than count 0 in silence, the mirror says which part
 * of the body it needs to see. Each exercise counts from certain joints (its signal and posture,
 * exercises/*.ts); when someone is in the picture but those joints have not been seen for
 * `seconds`, the coach emits a `visibility` event naming the missing parts (and says it once,
 * as a cue), and `pose-coach analyze` reports them when nothing was counted.
 *
 * What counts as seen is what the counters use: a joint at MoveNet confidence ≥ MIN_JOINT_SCORE.
 * Auto-recognition and `other` need the torso (shoulders and hips: the body's scale) and one
 * whole arm or leg; a chosen exercise needs its own parts (below). The head is never needed.
 */
import { MIN_JOINT_SCORE, Skeleton, SIDES, type Limb } from './skeleton.ts';
import type { ExerciseName, PoseFrame } from './types.ts';

export type BodyPart = 'shoulders' | 'hips' | 'arms' | 'legs';

/**
 * The parts each exercise counts from: an arm is shoulder–elbow–wrist, a leg hip–knee (one side
 * is enough). The feet are not needed: with the ankles out of the picture a knee angle comes
 * from the thigh (features.ts, kneeFromThigh) and a plank's line ends at the knee.
 */
export const NEEDED_PARTS: Record<ExerciseName | 'auto', readonly BodyPart[]> = {
  auto: ['shoulders', 'hips'],
  squat: ['shoulders', 'hips', 'legs'],
  lunge: ['shoulders', 'hips', 'legs'],
  pushup: ['shoulders', 'hips', 'arms'],
  plank: ['shoulders', 'hips', 'legs'],
  jumping_jack: ['shoulders', 'hips', 'arms', 'legs'],
  bicep_curl: ['shoulders', 'hips', 'arms'],
  shoulder_press: ['shoulders', 'hips', 'arms'],
};

/** What the mirror says for the first missing part (in this order). */
export const VISIBILITY_CUES: Record<BodyPart, string> = {
  shoulders: 'Step into the picture so I can see your shoulders',
  hips: 'Step back so I can see your hips',
  arms: 'Keep your arms in the picture',
  legs: 'Step back so I can see your legs',
};

export interface VisibilityOptions {
  /** Seconds someone must be seen without the needed parts before the mirror says so. */
  seconds: number;
  /** Joints seen for a frame to show someone at all (fewer is an empty picture, not a cropped person). */
  minJoints: number;
}

export const DEFAULT_VISIBILITY: VisibilityOptions = { seconds: 2, minJoints: 4 };

const chain = (s: Skeleton, limbs: readonly Limb[]) => SIDES.some((side) => limbs.every((l) => s.limb(side, l)));

/** The body parts seen in this frame. */
export function seenParts(frame: PoseFrame): Set<BodyPart> {
  const s = new Skeleton(frame);
  const out = new Set<BodyPart>();
  if (s.centre('shoulder')) out.add('shoulders');
  if (s.centre('hip')) out.add('hips');
  if (chain(s, ['shoulder', 'elbow', 'wrist'])) out.add('arms');
  if (chain(s, ['hip', 'knee'])) out.add('legs');
  return out;
}

/** The needed parts missing from `seen`; for auto, one whole arm or leg besides the torso. */
export function missingParts(need: ExerciseName | 'auto', seen: ReadonlySet<BodyPart>): BodyPart[] {
  const missing = NEEDED_PARTS[need].filter((p) => !seen.has(p));
  if (need === 'auto' && !seen.has('arms') && !seen.has('legs')) missing.push('arms');
  return missing;
}

export interface VisibilityReport {
  t: number;
  missing: BodyPart[];
  say: string;
}

/** Follows what is seen frame by frame; reports once per stretch of someone seen without the needed parts. */
export class VisibilityWatch {
  private since: number | undefined;
  private reported = false;
  /** The last report (kept for the analysis of a whole recording). */
  last: VisibilityReport | undefined;

  constructor(private readonly opts: VisibilityOptions = DEFAULT_VISIBILITY) {}

  push(frame: PoseFrame, need: ExerciseName | 'auto'): VisibilityReport | undefined {
    const someone = frame.keypoints.filter((k) => k.score >= MIN_JOINT_SCORE).length >= this.opts.minJoints;
    const missing = someone ? missingParts(need, seenParts(frame)) : [];
    if (!missing.length) {
      this.since = undefined;
      this.reported = false;
      return undefined;
    }
    this.since ??= frame.t;
    if (this.reported || frame.t - this.since < this.opts.seconds) return undefined;
    this.reported = true;
    this.last = { t: frame.t, missing, say: VISIBILITY_CUES[missing[0]!] };
    return this.last;
  }
}
