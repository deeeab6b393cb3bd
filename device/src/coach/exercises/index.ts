/** The exercise catalogue: one module per exercise, looked up by name. */
import type { ExerciseName } from '../types.ts';
import { bicepCurl } from './bicepCurl.ts';
import { jumpingJack } from './jumpingJack.ts';
import { lunge } from './lunge.ts';
import { plank } from './plank.ts';
import { pushup } from './pushup.ts';
import { shoulderPress } from './shoulderPress.ts';
import { squat } from './squat.ts';
import type { ExerciseModule } from './types.ts';

export const EXERCISE_MODULES: Record<ExerciseName, ExerciseModule> = {
  squat,
  pushup,
  lunge,
  jumping_jack: jumpingJack,
  bicep_curl: bicepCurl,
  shoulder_press: shoulderPress,
  plank,
};

export type { Check, Cue, ExerciseModule, HoldExercise, RepExercise } from './types.ts';
