/** What the feedback needs from a person's MySQL history, read in a few small queries. */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { StoredSession } from '@pose-coach/protocol';
import { parseFeedbackPoints } from '../mysql/sessionRow.ts';

export interface PastSession {
  reps: number;
  accuracy: number;
  timestamp: string;
  feedbackPoints: string[];
}

export interface SessionHistory {
  /** Most reps in any earlier session of this exercise; undefined when there is none. */
  bestReps: number | undefined;
  /** Earlier sessions of this exercise, newest first, at most RECENT_COUNT. */
  recent: PastSession[];
  /** Start times of every session in the year up to this one (any exercise), for the streak. */
  activeTimestamps: string[];
  /** The profile's time zone, if the person set one. */
  profileTimeZone: string | undefined;
}

export const RECENT_COUNT = 5;
const STREAK_WINDOW_DAYS = 366;

/**
 * Reads the history around `session`, leaving the session itself out (it may already be stored
 * when the feedback is built, or not yet). `NOT (session_id <=> ?)` keeps legacy rows, whose
 * session_id is NULL.
 */
export async function readSessionHistory(pool: Pool, session: StoredSession): Promise<SessionHistory> {
  const notThis = 'user_id = ? AND NOT (session_id <=> ?)';
  const owner = [session.userId, session.sessionId];
  const windowStart = new Date(Date.parse(session.timestamp) - STREAK_WINDOW_DAYS * 86_400_000).toISOString();
  const [[bestRows], [recentRows], [activeRows], [profileRows]] = await Promise.all([
    pool.execute<RowDataPacket[]>(`SELECT MAX(reps) AS best FROM workout_sessions WHERE ${notThis} AND exercise = ?`, [
      ...owner,
      session.exercise,
    ]),
    pool.execute<RowDataPacket[]>(
      `SELECT reps, accuracy, \`timestamp\`, feedback_points FROM workout_sessions
        WHERE ${notThis} AND exercise = ? AND \`timestamp\` <= ?
        ORDER BY \`timestamp\` DESC, id DESC LIMIT ${RECENT_COUNT}`,
      [...owner, session.exercise, session.timestamp],
    ),
    pool.execute<RowDataPacket[]>(
      `SELECT \`timestamp\` FROM workout_sessions WHERE ${notThis} AND \`timestamp\` >= ? AND \`timestamp\` <= ?`,
      [...owner, windowStart, session.timestamp],
    ),
    pool.execute<RowDataPacket[]>('SELECT time_zone AS timeZone FROM user_settings WHERE user_id = ?', [session.userId]),
  ]);
  const best = bestRows[0]?.best;
  return {
    bestReps: best === null || best === undefined ? undefined : Number(best),
    recent: recentRows.map((row) => ({
      reps: Number(row.reps),
      accuracy: Number(row.accuracy),
      timestamp: String(row.timestamp),
      feedbackPoints: parseFeedbackPoints(row.feedback_points),
    })),
    activeTimestamps: activeRows.map((row) => String(row.timestamp)),
    profileTimeZone: profileRows[0]?.timeZone ? String(profileRows[0].timeZone) : undefined,
  };
}
