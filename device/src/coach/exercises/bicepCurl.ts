import { grade } from '../geometry.ts';
import { pick } from '../features.ts';
import { extremeFrame, range, standing, type Check, type RepExercise } from './types.ts';

/** Bicep curl: elbow angle of the more bent arm with the upper arm hanging; elbow drift, full extension, torso swing. */
export const bicepCurl: RepExercise = {
  kind: 'reps',
  name: 'bicep_curl',
  signal: (f) => pick(f.elbow, 'front', f.nearSide, 'min'),
  posture: (f, _view, p) => {
    const raise = pick(f.armRaise, 'front', f.nearSide, 'min');
    return standing(f) && raise !== undefined && raise <= p.maxArmRaise!;
  },
  partialCue: { say: 'Curl all the way up', point: 'Full range of motion' },
  checks(trace, _view, form) {
    const checks: Check[] = [];
    const drift = range(trace, (f) => pick(f.elbowDrift, 'front', f.nearSide, 'max'));
    if (drift !== undefined) checks.push({ id: 'elbow-drift', score: grade(drift, form.driftGood!, form.driftBad!), cue: { say: 'Keep your elbows pinned to your sides', point: 'Keep elbows still' }, praise: { say: 'Elbows nice and steady!', point: 'Steady elbows' } });
    // The trace opens with the rest before the rep: its straightest elbow is the extension.
    const straightest = extremeFrame(trace, (f) => pick(f.elbow, 'front', f.nearSide, 'min'), 'max');
    const ext = straightest?.v ?? 0;
    if (ext > 0) checks.push({ id: 'extension', score: grade(ext, form.extensionGood!, form.extensionBad!), cue: { say: 'Straighten your arms fully at the bottom', point: 'Extend arms fully' }, praise: { say: 'Full extension, nice!', point: 'Full extension' } });
    const swing = range(trace, (f) => f.torsoLean);
    if (swing !== undefined) checks.push({ id: 'swing', score: grade(swing, form.swingGood!, form.swingBad!), cue: { say: "Don't swing your body", point: 'Avoid swinging' }, praise: { say: 'Nice and controlled!', point: 'Controlled movement' } });
    return checks;
  },
  signature(trace, _view, form) {
    // A curl is done with straight legs: elbows bending while squatting (bands, a front rack) is not a curl.
    // Judged on the lower quartile of the knee angle, so a few misplaced knees (legs half out of the picture) do not count.
    const knees = trace.map((f) => pick(f.knee, 'front', f.nearLeg, 'min')).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return knees.length < trace.length / 2 || knees[Math.floor(knees.length / 4)]! >= form.minKnee!;
  },
};
