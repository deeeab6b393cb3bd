import { grade } from '../geometry.ts';
import { pick } from '../features.ts';
import { extremeFrame, standing, type RepExercise } from './types.ts';

/** Jumping jack: wrist height over the shoulders; arms overhead and feet apart. */
export const jumpingJack: RepExercise = {
  kind: 'reps',
  name: 'jumping_jack',
  signal: (f) => pick(f.wristRise, 'front', f.nearSide, 'mean'),
  posture: (f) => standing(f),
  partialCue: { say: 'Reach your arms all the way up', point: 'Arms fully overhead' },
  checks(trace, _view, form) {
    const arms = extremeFrame(trace, (f) => pick(f.wristRise, 'front', f.nearSide, 'mean'), 'max');
    const feet = extremeFrame(trace, (f) => f.ankleSpread, 'max');
    const checks = [];
    if (arms) checks.push({ id: 'arms', score: grade(arms.v, form.armsGood!, form.armsBad!), cue: { say: 'Reach your arms all the way up', point: 'Arms fully overhead' }, praise: { say: 'Great full reach!', point: 'Full arm reach' } });
    if (feet) checks.push({ id: 'feet', score: grade(feet.v, form.feetGood!, form.feetBad!), cue: { say: 'Jump your feet wider apart', point: 'Feet wider apart' }, praise: { say: 'Nice wide jumps!', point: 'Good wide stance' } });
    return checks;
  },
  signature(trace, _view, form) {
    const feet = extremeFrame(trace, (f) => f.ankleSpread, 'max');
    return !!feet && feet.v >= form.minFeetSpread!;
  },
};
