/**
 * Session stats, one shape for every place that sums sessions: the gateway's stores (MySQL and
 * Firestore aggregate them in their own query language), the mirror's outbox history (SQLite) and
 * the mirror UI's replayed sessions (`sessionStats` below). Each returns `SessionStats`.
 */
import { z } from 'zod';

export const sessionStatsSchema = z.object({
  totalSessions: z.number().int().min(0),
  totalReps: z.number().min(0),
  /** Mean accuracy, 0 when there are no sessions. */
  averageAccuracy: z.number().min(0).max(1),
  /** Seconds. */
  totalDuration: z.number().min(0),
});
export type SessionStats = z.infer<typeof sessionStatsSchema>;

/** The stats of sessions at hand (no store to ask). */
export function sessionStats(sessions: readonly { reps: number; accuracy: number; duration: number }[]): SessionStats {
  const sum = (pick: (s: (typeof sessions)[number]) => number) => sessions.reduce((n, s) => n + pick(s), 0);
  return {
    totalSessions: sessions.length,
    totalReps: sum((s) => s.reps),
    averageAccuracy: sessions.length ? sum((s) => s.accuracy) / sessions.length : 0,
    totalDuration: sum((s) => s.duration),
  };
}
