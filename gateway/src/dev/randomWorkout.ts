/** Plausible finished workouts, as a mirror would publish them: for benchmarks and load tests. */
import { randomUUID } from 'node:crypto';
import type { SessionPayload } from '@pose-coach/protocol';

const EXERCISES = ['squat', 'pushup', 'lunge', 'jumping_jack', 'bicep_curl', 'shoulder_press'] as const;
const CUES = ['Go a little deeper', 'Keep your knees over your toes', 'Keep your back straight', 'Control the way down'];

export function randomWorkout(now = new Date()): SessionPayload {
  const exercise = EXERCISES[Math.floor(Math.random() * EXERCISES.length)]!;
  const reps = 5 + Math.floor(Math.random() * 16);
  const duration = reps * (2 + Math.round(Math.random() * 2));
  return {
    sessionId: randomUUID(),
    exercise,
    reps,
    accuracy: Math.round((0.6 + Math.random() * 0.38) * 100) / 100,
    timestamp: new Date(now.getTime() - duration * 1000).toISOString(),
    duration,
    feedbackPoints: [CUES[Math.floor(Math.random() * CUES.length)]!, 'Great depth'],
    model: 'simulated',
  };
}
