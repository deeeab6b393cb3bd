import { z } from 'zod';

/**
 * `sessions/ack` statuses. A mirror deletes a session from its outbox on `queued` or `stored`,
 * quarantines it on `rejected` (never retried) and keeps it on `unpaired` until the mirror is paired.
 */
export const ACK_STATUSES = ['queued', 'stored', 'rejected', 'unpaired'] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

export const sessionAckSchema = z.object({
  sessionId: z.string(),
  status: z.enum(ACK_STATUSES),
  motivationalFeedback: z.string().optional(),
  error: z.string().optional(),
});
export type SessionAck = z.infer<typeof sessionAckSchema>;

/** Statuses after which the device may forget the session. */
export function ackReleasesSession(status: AckStatus): boolean {
  return status === 'queued' || status === 'stored';
}
