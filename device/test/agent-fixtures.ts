/** A stand-in coach for the agent tests (the real one lives in device/src/coach), and helpers. */
import type { Keypoint } from '@pose-coach/inference';
import type { Coach, CoachEvent, CoachFactory, PoseFrame } from '../src/agent/ports.ts';

function angle(a: Keypoint, b: Keypoint, c: Keypoint): number {
  const v1 = [a.x - b.x, a.y - b.y];
  const v2 = [c.x - b.x, c.y - b.y];
  const cos = (v1[0]! * v2[0]! + v1[1]! * v2[1]!) / (Math.hypot(v1[0]!, v1[1]!) * Math.hypot(v2[0]!, v2[1]!));
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/** Counts a squat when the right knee bends below 120° and straightens past 160°. */
export const testSquatCoach: CoachFactory = (exercise): Coach => {
  let down = false;
  let minAngle = 180;
  const scores: number[] = [];
  const cues = new Set<string>();
  return {
    push(frame: PoseFrame): CoachEvent[] {
      const k = Object.fromEntries(frame.keypoints.map((p) => [p.name, p]));
      if (!k.right_hip || !k.right_knee || !k.right_ankle) return [];
      const a = angle(k.right_hip, k.right_knee, k.right_ankle);
      minAngle = Math.min(minAngle, a);
      if (!down && a < 150) down = true;
      if (down && a > 165) {
        down = false;
        const deep = minAngle < 100;
        minAngle = 180;
        scores.push(deep ? 0.9 : 0.5);
        const repCues = deep ? [] : ['Go deeper'];
        repCues.forEach((c) => cues.add(c));
        return [{ type: 'rep', count: scores.length, score: scores.at(-1)!, cues: repCues }, ...repCues.map((text) => ({ type: 'cue' as const, text }))];
      }
      return [];
    },
    finish: () => ({
      exercise: exercise === 'auto' ? 'squat' : exercise,
      reps: scores.length,
      accuracy: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0,
      feedbackPoints: [...cues],
    }),
  };
};
