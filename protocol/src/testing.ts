/** A valid session payload for tests and benchmarks of any part; override what the test is about. */
import { randomUUID } from 'node:crypto';
import type { SessionPayload } from './session.ts';

export function exampleSession(overrides: Partial<SessionPayload> = {}): SessionPayload {
  return {
    sessionId: randomUUID(),
    exercise: 'squat',
    reps: 12,
    accuracy: 0.83,
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    duration: 95,
    feedbackPoints: ['Keep knees aligned', 'Great depth'],
    ...overrides,
  };
}
