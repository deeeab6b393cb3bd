import { grade } from '../geometry.ts';
import { pick } from '../features.ts';
import { extremeFrame, type RepExercise } from './types.ts';

/** Push-up: elbow angle while lying; depth and a straight hip line. */
export const pushup: RepExercise = {
  kind: 'reps',
  name: 'pushup',
  signal: (f, view) => pick(f.elbow, view, f.nearArm, 'mean'),
  posture: (f) => f.present && f.horizontal,
  partialCue: { say: 'Lower your chest a little more', point: 'Go lower' },
  checks(trace, view, form) {
    const bottom = extremeFrame(trace, (f) => pick(f.elbow, view, f.nearArm, 'mean'), 'min');
    // The hip line while the arms work: the rest before a rep may still be someone getting into position.
    const moving = trace.filter((f) => (pick(f.elbow, view, f.nearArm, 'mean') ?? 180) <= form.lineWhileElbowBelow!);
    const line = extremeFrame(moving, (f) => pick(f.bodyLine, view, f.nearSide, 'mean'), 'min');
    const checks = [];
    if (bottom) checks.push({ id: 'depth', score: grade(bottom.v, form.depthGood!, form.depthBad!), cue: { say: 'Lower your chest a little more', point: 'Go lower' }, praise: { say: 'Great depth!', point: 'Great depth' } });
    if (line) checks.push({ id: 'hips', score: grade(line.v, form.lineGood!, form.lineBad!), cue: { say: 'Keep your hips in line with your body', point: 'Keep hips in line' }, praise: { say: 'Solid straight body!', point: 'Straight body line' } });
    return checks;
  },
  signature: () => true,
};
