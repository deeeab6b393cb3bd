/**
 * The mirror agent's `GET /api/history?range=…` (device/src/agent/liveServer.ts), read by the
 * mirror UI (device/ui/src/live/agentBackend.ts): finished sessions kept on the mirror, with
 * where each stands with the gateway, and their stats. Ranges are periods in the mirror's own
 * time zone (time/periods.ts, the rule the gateway uses for a person's periods).
 */
import { z } from 'zod';
import { sessionPayloadSchema } from './session.ts';
import { sessionStatsSchema } from './stats.ts';
import { periodRange } from './time/periods.ts';

export const HISTORY_RANGES = ['today', 'week', 'month', 'all'] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

/** Where a finished session stands: `pending` to send, `unpaired` waiting for pairing, `synced` stored, `rejected` quarantined. */
export const SYNC_STATES = ['pending', 'unpaired', 'synced', 'rejected'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export const historyEntrySchema = z.object({
  session: sessionPayloadSchema,
  sync: z.enum(SYNC_STATES),
  motivationalFeedback: z.string().optional(),
  /** ms since epoch. */
  finishedAt: z.number(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const historyAnswerSchema = z.object({
  range: z.enum(HISTORY_RANGES),
  /** First instant of the range (ISO, UTC). */
  since: z.string(),
  sessions: z.array(historyEntrySchema),
  stats: sessionStatsSchema,
});
export type HistoryAnswer = z.infer<typeof historyAnswerSchema>;

export function isHistoryRange(s: string): s is HistoryRange {
  return (HISTORY_RANGES as readonly string[]).includes(s);
}

/** The first instant (ISO, UTC) of `range` containing `now` in `timeZone`; `all` starts at the epoch. */
export function historySince(range: HistoryRange, timeZone: string, now: Date = new Date()): string {
  return range === 'all' ? new Date(0).toISOString() : periodRange(range, timeZone, now).fromIso;
}
