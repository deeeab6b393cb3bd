/**
 * The finished-workout payload a mirror publishes on `mirrors/{id}/sessions`, and the document it
 * becomes in Firestore. The original app's fields keep their names, types and meaning
 * (../shared/DESIGN.md, "Session document"); the rest are additions.
 */
import { z } from 'zod';
import { calendarTimeIssue, pathSegmentIssue } from './storable.ts';

/** ISO 8601 in UTC with a `Z`, e.g. `2026-11-29T08:15:00.000Z`: sorts as text, so stores can range-query it. */
export const ISO_UTC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export const isoUtcTimestamp = z
  .string()
  .regex(ISO_UTC_PATTERN, 'must be an ISO 8601 UTC time such as 2026-11-29T08:15:00.000Z')
  .superRefine((s, ctx) => {
    const issue = ISO_UTC_PATTERN.test(s) ? calendarTimeIssue(s) : undefined;
    if (issue) ctx.addIssue({ code: 'custom', message: issue });
  });

/** A string usable as one Firestore path segment (a uid, a document id); the refusal says why not. */
export const pathSafeId = z.string().superRefine((s, ctx) => {
  const issue = pathSegmentIssue(s);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

/** Seconds within a session (one day at most): bounded, so both stores hold the same number. */
const sessionSeconds = z.number().min(0).max(24 * 3600);

export const EXERCISE_PATTERN = /^[a-z][a-z0-9_]{1,40}$/;

export const repDetailSchema = z.object({
  /** Seconds from the session start. */
  start: sessionSeconds,
  end: sessionSeconds,
  score: z.number().min(0).max(1),
  cues: z.array(z.string().max(200)).max(20).default([]),
});

export const sessionPayloadSchema = z.object({
  sessionId: z.uuid('must be a UUID made on the device'),
  exercise: z.string().regex(EXERCISE_PATTERN, 'must be a lower-case exercise name such as squat'),
  reps: z.number().int('must be a whole number').min(0).max(10_000),
  accuracy: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  timestamp: isoUtcTimestamp,
  duration: z.number().min(0).max(24 * 3600),
  feedbackPoints: z.array(z.string().min(1).max(200)).max(20),
  // Additions (optional so an older mirror's payload still passes).
  repDetails: z.array(repDetailSchema).max(10_000).optional(),
  partialReps: z.number().int().min(0).max(10_000).optional(),
  holdSeconds: sessionSeconds.optional(),
  model: z.string().max(100).optional(),
  timeZone: z.string().max(64).optional(),
  appVersion: z.string().max(40).optional(),
  /** The pairing the session was recorded under (QR pairing, issue 7); the gateway decides what it means. */
  pairingId: z.string().max(100).optional(),
  /** What an `other` session's movement was, named by the person on their phone (issue 16). */
  movement: z.string().trim().min(1).max(60).optional(),
  /**
   * Made by the simulated athlete (no camera): shown as such in every history, and stored only by
   * a gateway on the embedded or emulated stores, never by one writing a production Firestore
   * (DESIGN.md). Absent on real workouts.
   */
  simulated: z.literal(true, 'must be true or absent').optional(),
});

export type SessionPayload = z.infer<typeof sessionPayloadSchema>;

/** What both stores keep for one session: the payload plus who it belongs to and where it came from. */
export interface StoredSession extends SessionPayload {
  userId: string;
  deviceId?: string;
}

/** The Firestore document path of a session (DESIGN.md). */
export function sessionDocPath(uid: string, sessionId: string): string {
  return `users/${uid}/workoutSessions/${sessionId}`;
}
