import { grade } from '../geometry.ts';
import type { Features } from '../features.ts';
import { extremeFrame, hipSplit, standing, type Check, type RepExercise } from './types.ts';

const frontKnee = (f: Features): number | undefined => {
  const { left, right } = f.knee;
  if (left === undefined) return right;
  if (right === undefined) return left;
  return Math.min(left, right);
};

/** Lunge: the more bent knee, whichever leg steps; depth, torso upright, front knee over the ankle. */
export const lunge: RepExercise = {
  kind: 'reps',
  name: 'lunge',
  signal: (f) => frontKnee(f),
  posture: (f) => standing(f) && (f.knee.left !== undefined || f.knee.right !== undefined),
  partialCue: { say: 'Sink a little lower', point: 'Lunge deeper' },
  checks(trace, view, form) {
    const bottom = extremeFrame(trace, frontKnee, 'min');
    if (!bottom) return [];
    const checks: Check[] = [
      { id: 'depth', score: grade(bottom.v, form.depthGood!, form.depthBad!), cue: { say: 'Sink a little lower', point: 'Lunge deeper' }, praise: { say: 'Great depth!', point: 'Great depth' } },
    ];
    const lean = extremeFrame(trace, (f) => f.torsoLean, 'max');
    if (lean) checks.push({ id: 'upright', score: grade(lean.v, form.uprightGood!, form.uprightBad!), cue: { say: 'Keep your torso upright', point: 'Keep torso upright' }, praise: { say: 'Nice tall posture!', point: 'Upright torso' } });
    if (view === 'side' && bottom.f.kneePastAnkle !== undefined) {
      checks.push({ id: 'front-knee', score: grade(bottom.f.kneePastAnkle, form.kneeOverAnkleGood!, form.kneeOverAnkleBad!), cue: { say: 'Keep your front knee over your ankle', point: 'Front knee over ankle' }, praise: { say: 'Front knee right on track!', point: 'Good front knee' } });
    }
    return checks;
  },
  signature(trace, view, form) {
    // One foot in front of the other at the bottom (a squat keeps them side by side).
    const bottom = extremeFrame(trace, frontKnee, 'min');
    if (!bottom) return false;
    const f = bottom.f;
    if (view === 'side') return (f.ankleSpread ?? 0) >= form.minFootSplitSide!;
    const k = f.knee;
    const asymmetric = k.left !== undefined && k.right !== undefined && Math.abs(k.left - k.right) >= form.minAsymmetry!;
    if ((f.ankleDrop ?? 0) >= form.minFootSplit! || asymmetric) return true;
    // The feet out of the picture (a knee read from the thigh cannot see the back leg bend): the hips.
    return f.ankleDrop === undefined && (hipSplit(trace, frontKnee) ?? 0) >= form.minHipSplit!;
  },
};
