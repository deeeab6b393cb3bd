/**
 * Recognises the exercise from the first movements when the person has not chosen one: every
 * exercise's tracker runs side by side, and the first whose counter completes `reps` reps with
 * that exercise's signature (or, for a plank, holds `holdSeconds`) is the one. The order of
 * EXERCISE_PRIORITY settles a tie in the same frame: the more specific movement first.
 */
import type { ExerciseTracker } from './tracker.ts';
import type { ExerciseName } from './types.ts';

export interface RecognitionOptions {
  /** Reps with an exercise's signature that make it the recognised one. */
  reps: number;
  /** Seconds of plank hold that make it the recognised one (with no push-up rep seen). */
  holdSeconds: number;
  /** Reps of another exercise, after the current one's last rep, that switch to it. */
  switchReps: number;
}

export const DEFAULT_RECOGNITION: RecognitionOptions = { reps: 2, holdSeconds: 4, switchReps: 3 };

export const EXERCISE_PRIORITY: readonly ExerciseName[] = ['jumping_jack', 'shoulder_press', 'lunge', 'squat', 'pushup', 'bicep_curl', 'plank'];

/** The exercise the trackers show, counting only reps that end after `since` and leaving out `skip`; undefined when none yet. */
export function recognise(trackers: ReadonlyMap<ExerciseName, ExerciseTracker>, opts: RecognitionOptions, since = -Infinity, needReps = opts.reps, skip?: ReadonlySet<ExerciseName>): ExerciseName | undefined {
  for (const name of EXERCISE_PRIORITY) {
    const tr = trackers.get(name);
    if (!tr || skip?.has(name)) continue;
    if (name === 'plank') {
      // Push-ups pass through a plank's position: any push-up movement, even a partial one, rules a plank out.
      const pu = trackers.get('pushup');
      const pushups = (pu?.reps.filter((r) => r.end > since).length ?? 0) + (since === -Infinity ? (pu?.partials ?? 0) : 0);
      if (tr.holdSeconds >= opts.holdSeconds && pushups === 0) return name;
      continue;
    }
    const n = tr.reps.filter((r) => r.signature && r.end > since).length;
    if (n >= needReps) return name;
  }
  return undefined;
}
