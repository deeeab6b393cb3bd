/**
 * The coach of device/src/coach behind the agent's Coach port. Until that module exists the agent
 * runs with a pose-only coach (live skeleton, no reps), and says so in its log.
 */
import type { Coach, CoachFactory } from './ports.ts';

/** Shows poses, counts nothing: used only when no coach module is installed. */
export const poseOnlyCoach: CoachFactory = (exercise): Coach => ({
  push: () => [],
  finish: () => ({ exercise: exercise === 'auto' ? 'unknown' : exercise, reps: 0, accuracy: 0, feedbackPoints: [] }),
});

export async function loadCoachFactory(): Promise<{ factory: CoachFactory; real: boolean }> {
  return { factory: poseOnlyCoach, real: false };
}
