import { grade } from '../geometry.ts';
import { pick } from '../features.ts';
import { extremeFrame, hipSplit, standing, type Check, type RepExercise } from './types.ts';

/** Squat: knee angle; depth, knees over the feet (front view), torso lean (side view). */
export const squat: RepExercise = {
  kind: 'reps',
  name: 'squat',
  signal: (f, view) => pick(f.knee, view, f.nearLeg, 'mean'),
  posture: (f) => standing(f) && (f.knee.left !== undefined || f.knee.right !== undefined),
  partialCue: { say: 'Go a little deeper', point: 'Squat deeper' },
  checks(trace, view, form) {
    const bottom = extremeFrame(trace, (f) => pick(f.knee, view, f.nearLeg, 'mean'), 'min');
    if (!bottom) return [];
    const checks: Check[] = [
      { id: 'depth', score: grade(bottom.v, form.depthGood!, form.depthBad!), cue: { say: 'Go a little deeper', point: 'Squat deeper' }, praise: { say: 'Great depth!', point: 'Great depth' } },
    ];
    if (view === 'front' && bottom.f.kneeSpread !== undefined && bottom.f.ankleSpread) {
      const track = bottom.f.kneeSpread / bottom.f.ankleSpread;
      checks.push({ id: 'knees', score: grade(track, form.kneeTrackGood!, form.kneeTrackBad!), cue: { say: 'Keep your knees over your toes', point: 'Keep knees aligned' }, praise: { say: 'Knees right over your toes!', point: 'Knees well aligned' } });
    }
    if (view === 'side') {
      const lean = extremeFrame(trace, (f) => f.torsoLean, 'max');
      if (lean) checks.push({ id: 'lean', score: grade(lean.v, form.leanGood!, form.leanBad!), cue: { say: 'Keep your chest up', point: 'Keep chest up' }, praise: { say: 'Nice upright chest!', point: 'Good upright torso' } });
    }
    return checks;
  },
  signature(trace, view, form) {
    // Both feet planted side by side: no split stance (that is a lunge).
    const bottom = extremeFrame(trace, (f) => pick(f.knee, view, f.nearLeg, 'mean'), 'min');
    if (!bottom) return false;
    const f = bottom.f;
    if (view === 'side') return f.ankleSpread === undefined || f.ankleSpread < form.maxFootSplitSide!;
    const k = f.knee;
    const symmetric = k.left === undefined || k.right === undefined || Math.abs(k.left - k.right) <= form.maxAsymmetry!;
    if (!symmetric) return false;
    if (f.ankleDrop !== undefined) return f.ankleDrop < form.maxFootSplit!;
    // The feet out of the picture: one hip bent and the other open is a split stance.
    const knee = (g: typeof f) => pick(g.knee, view, g.nearLeg, 'mean');
    return (hipSplit(trace, knee) ?? 0) < form.maxHipSplit!;
  },
};
