/** The gateway's HTTP API bodies kept from the original backend (DESIGN.md, "HTTP API"). */
import { z } from 'zod';
import { isoUtcTimestamp, EXERCISE_PATTERN, pathSafeId, sessionPayloadSchema } from './session.ts';

export const poseSummaryRequestSchema = z.object({
  user_id: pathSafeId.pipe(z.string().max(255)),
  exercise: z.string().regex(EXERCISE_PATTERN, 'must be a lower-case exercise name such as squat'),
  reps: z.number().int('must be a whole number').min(0).max(10_000),
  accuracy: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  timestamp: isoUtcTimestamp,
  duration: z.number().min(0).max(24 * 3600),
  feedback_points: z.array(z.string().min(1).max(200)).max(20).default([]),
  /** Optional: a client that sends its own session id gets idempotent re-posts keyed by it. */
  session_id: z.uuid().optional(),
});
export type PoseSummaryRequest = z.infer<typeof poseSummaryRequestSchema>;

export const poseSummaryResponseSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  motivational_feedback: z.string(),
  session_id: z.string().optional(),
});
export type PoseSummaryResponse = z.infer<typeof poseSummaryResponseSchema>;

export { sessionStatsSchema, type SessionStats } from './stats.ts';

/** A session as the API answers it: the payload plus whose it is and the mirror it came from. */
export const storedSessionSchema = sessionPayloadSchema.extend({ userId: z.string(), deviceId: z.string().optional() });
