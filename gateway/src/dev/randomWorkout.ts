/** Plausible finished workouts, as a mirror would publish them: for benchmarks and load tests. */
import { randomUUID } from 'node:crypto';
import { COACH_EXERCISE_NAMES, type SessionPayload } from '@pose-coach/protocol';

/** Every exercise the coach knows (protocol's one list), plank included. */
const EXERCISES = COACH_EXERCISE_NAMES;
const CUES = ['Go a little deeper', 'Keep your knees over your toes', 'Keep your back straight', 'Control the way down'];

export function randomWorkout(now = new Date()): SessionPayload {
  const exercise = EXERCISES[Math.floor(Math.random() * EXERCISES.length)]!;
  const hold = exercise === 'plank'; // a hold: no reps, its seconds held instead
  const reps = hold ? 0 : 5 + Math.floor(Math.random() * 16);
  const duration = hold ? 20 + Math.floor(Math.random() * 100) : reps * (2 + Math.round(Math.random() * 2));
  return {
    sessionId: randomUUID(),
    exercise,
    reps,
    ...(hold ? { holdSeconds: duration } : {}),
    accuracy: Math.round((0.6 + Math.random() * 0.38) * 100) / 100,
    timestamp: new Date(now.getTime() - duration * 1000).toISOString(),
    duration,
    feedbackPoints: [CUES[Math.floor(Math.random() * CUES.length)]!, 'Great depth'],
    model: 'simulated',
  };
}
