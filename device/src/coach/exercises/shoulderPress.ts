import { grade } from '../geometry.ts';
import { pick, type Features } from '../features.ts';
import { extremeFrame, travelWithArms, range, standing, type Check, type RepExercise } from './types.ts';

/** Shoulder press: elbow angle with the upper arms raised; lockout at the top, no back arch (side view). */
export const shoulderPress: RepExercise = {
  kind: 'reps',
  name: 'shoulder_press',
  signal: (f) => pick(f.elbow, 'front', f.nearSide, 'mean'),
  posture: (f, _view, p) => {
    // Hands at the shoulders or above (a curl's hands hang between reps, a jack's come down to the hips).
    const rise = pick(f.wristRise, 'front', f.nearSide, 'mean');
    return standing(f) && rise !== undefined && rise >= p.minWristRise!;
  },
  partialCue: { say: 'Press all the way up', point: 'Lock out overhead' },
  checks(trace, view, form) {
    const checks: Check[] = [];
    const top = extremeFrame(trace, (f) => pick(f.elbow, 'front', f.nearSide, 'mean'), 'max');
    if (top) checks.push({ id: 'lockout', score: grade(top.v, form.lockoutGood!, form.lockoutBad!), cue: { say: 'Press all the way up', point: 'Lock out overhead' }, praise: { say: 'Strong lockout!', point: 'Full lockout' } });
    if (view === 'side') {
      const arch = range(trace, (f) => f.torsoLean);
      if (arch !== undefined) checks.push({ id: 'arch', score: grade(arch, form.archGood!, form.archBad!), cue: { say: "Brace your core, don't arch your back", point: 'Avoid arching back' }, praise: { say: 'Solid core!', point: 'Stable core' } });
    }
    return checks;
  },
  signature(trace, _view, form, posture) {
    // A press starts with the hands near the shoulders, not hanging by the hips or already overhead.
    const first = trace[0];
    const rise = first ? pick(first.wristRise, 'front', first.nearSide, 'mean') : undefined;
    if (rise === undefined || rise <= -0.4 || rise > posture.startMaxWristRise!) return false;
    // …and ends with them over the head: straightening the elbows with the hands at shoulder
    // height (a bar pushed forward) is not a press. Above the shoulders in torso lengths, so a
    // shaking or noisy picture cannot fake it.
    const top = extremeFrame(trace, (f) => pick(f.wristRise, 'front', f.nearSide, 'mean'), 'max');
    if (!top || top.v < posture.minTopWristRise!) return false;
    // The hands move, the body stands still: shoulders that travel up and down with the arms
    // are a pull-up or a jump, not a press. Travel that follows the elbows, weighed against the
    // hands' own (a camera panning at the rep's tempo moves both alike; a press moves the hands
    // more, a pull-up the body).
    const elbow = (f: Features) => pick(f.elbow, 'front', f.nearSide, 'mean');
    const body = travelWithArms(trace, elbow);
    return body <= Math.max(form.maxShoulderTravel!, form.maxTravelShare! * travelWithArms(trace, elbow, (f) => f.wristHeight));
  },
};
