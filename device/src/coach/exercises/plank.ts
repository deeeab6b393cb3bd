import { grade, mean } from '../geometry.ts';
import { pick } from '../features.ts';
import type { HoldExercise } from './types.ts';

/** Plank: held while lying in a straight line with straight knees; scored on the hip line. */
export const plank: HoldExercise = {
  kind: 'hold',
  name: 'plank',
  inPosition(f, hold) {
    if (!f.present || !f.horizontal) return false;
    const line = pick(f.bodyLine, 'side', f.nearSide);
    const knee = pick(f.knee, 'side', f.nearLeg);
    // The feet out of the picture: the line ends at the knee and no knee angle rules out lying on
    // the floor, so the shorter line must be straighter (hips down on the mat bend it at the hip).
    const minLine = f.legsVisible ? hold.minBodyLine! : hold.minKneeLine!;
    return line !== undefined && line >= minLine && (knee === undefined || knee >= hold.minKnee!);
  },
  still: (f) => pick(f.elbow, 'side', f.nearArm),
  checks(segment, form) {
    const lines = segment.map((f) => pick(f.bodyLine, 'side', f.nearSide)).filter((v): v is number => v !== undefined);
    if (!lines.length) return [];
    return [{ id: 'hips', score: grade(mean(lines), form.lineGood!, form.lineBad!), cue: { say: 'Keep your hips in line with your shoulders', point: 'Keep hips in line' }, praise: { say: 'Rock solid plank!', point: 'Straight body line' } }];
  },
};
