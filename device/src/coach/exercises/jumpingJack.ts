import { grade } from '../geometry.ts';
import { pick } from '../features.ts';
import type { Features, PerSide } from '../features.ts';
import { extremeFrame, standing, type RepExercise } from './types.ts';

/**
 * Wrist height over the shoulders; where a hand is out of the picture (overhead in a close shot)
 * its elbow stands in, at about half the arm's reach.
 */
function handRise(f: Features): number | undefined {
  const v: PerSide = {};
  for (const side of ['left', 'right'] as const) {
    const w = f.wristRise[side];
    const e = f.elbowRise[side];
    if (w !== undefined) v[side] = w;
    else if (e !== undefined) v[side] = 2 * e;
  }
  return pick(v, 'front', f.nearSide, 'mean');
}

/** Jumping jack: hand height over the shoulders; arms overhead and feet apart. */
export const jumpingJack: RepExercise = {
  kind: 'reps',
  name: 'jumping_jack',
  signal: handRise,
  posture: (f) => standing(f),
  partialCue: { say: 'Reach your arms all the way up', point: 'Arms fully overhead' },
  checks(trace, _view, form) {
    const arms = extremeFrame(trace, handRise, 'max');
    const feet = extremeFrame(trace, (f) => f.ankleSpread, 'max');
    const checks = [];
    if (arms) checks.push({ id: 'arms', score: grade(arms.v, form.armsGood!, form.armsBad!), cue: { say: 'Reach your arms all the way up', point: 'Arms fully overhead' }, praise: { say: 'Great full reach!', point: 'Full arm reach' } });
    if (feet) checks.push({ id: 'feet', score: grade(feet.v, form.feetGood!, form.feetBad!), cue: { say: 'Jump your feet wider apart', point: 'Feet wider apart' }, praise: { say: 'Nice wide jumps!', point: 'Good wide stance' } });
    return checks;
  },
  signature(trace, _view, form) {
    const feet = extremeFrame(trace, (f) => f.ankleSpread, 'max');
    if (feet) return feet.v >= form.minFeetSpread!;
    // The feet out of the picture: the knees open too, about half as far.
    const knees = extremeFrame(trace, (f) => f.kneeSpread, 'max');
    return !!knees && knees.v >= form.minKneeSpread!;
  },
};
