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
  /** The quarter hours (UTC, start times) with a session in the year up to this one (any exercise), for the streak. */
  activeTimestamps: string[];
  /** The profile's time zone, if the person set one. */
  profileTimeZone: string | undefined;
}

export const RECENT_COUNT = 5;
const STREAK_WINDOW_DAYS = 366;

/**
 * The streak needs the days with a session, not every session: times are read as the start of
 * their quarter hour (UTC), once each. Every zone's offset today is a whole number of quarter
 * hours, so a quarter hour never spans a local midnight and its start falls on the same local day
 * as every session in it. Times not in the gateway's own ISO UTC form (rows of the original
 * backend) are read as they are.
 */
const QUARTER_HOUR = `(CASE WHEN LENGTH(\`timestamp\`) >= 20 AND SUBSTRING(\`timestamp\`, 11, 1) = 'T' AND RIGHT(\`timestamp\`, 1) = 'Z'
  THEN CONCAT(LEFT(\`timestamp\`, 14), LPAD(FLOOR(SUBSTRING(\`timestamp\`, 15, 2) / 15) * 15, 2, '0'), ':00.000Z')
  ELSE \`timestamp\` END)`;

/** The four parts of one session's history, as one UNION ALL branch tagged `k` (its place in the batch). */
function historyParts(k: number): string {
  const notThis = 'user_id = ? AND NOT (session_id <=> ?)';
  return `(SELECT 'best' AS part, ${k} AS k, NULL AS id, MAX(reps) AS reps, NULL AS accuracy, NULL AS ts, NULL AS feedback_points
        FROM workout_sessions WHERE ${notThis} AND exercise = ?)
     UNION ALL
     (SELECT 'recent', ${k}, id, reps, accuracy, \`timestamp\`, feedback_points FROM workout_sessions
        WHERE ${notThis} AND exercise = ? AND \`timestamp\` <= ?
        ORDER BY \`timestamp\` DESC, id DESC LIMIT ${RECENT_COUNT})
     UNION ALL
     (SELECT DISTINCT 'active', ${k}, NULL, NULL, NULL, ${QUARTER_HOUR}, NULL FROM workout_sessions
        WHERE ${notThis} AND \`timestamp\` >= ? AND \`timestamp\` <= ?)
     UNION ALL
     (SELECT 'zone', ${k}, NULL, NULL, NULL, time_zone, NULL FROM user_settings WHERE user_id = ?)`;
}

function historyParams(session: StoredSession): unknown[] {
  const owner = [session.userId, session.sessionId];
  const windowStart = new Date(Date.parse(session.timestamp) - STREAK_WINDOW_DAYS * 86_400_000).toISOString();
  return [...owner, session.exercise, ...owner, session.exercise, session.timestamp, ...owner, windowStart, session.timestamp, session.userId];
}

function historyOf(rows: RowDataPacket[]): SessionHistory {
  const part = (name: string) => rows.filter((row) => row.part === name);
  const best = part('best')[0]?.reps;
  const zone = part('zone')[0]?.ts;
  // A union keeps no order of its own: newest first again, as the part asked.
  const recent = part('recent').sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : Number(b.id) - Number(a.id)));
  return {
    bestReps: best === null || best === undefined ? undefined : Number(best),
    recent: recent.map((row) => ({
      reps: Number(row.reps),
      accuracy: Number(row.accuracy),
      timestamp: String(row.ts),
      feedbackPoints: parseFeedbackPoints(row.feedback_points),
    })),
    activeTimestamps: part('active').map((row) => String(row.ts)),
    profileTimeZone: zone ? String(zone) : undefined,
  };
}

/**
 * Reads the history around each of `sessions`, leaving the session itself out (it may already be
 * stored when the feedback is built, or not yet). `NOT (session_id <=> ?)` keeps legacy rows, whose
 * session_id is NULL. One round trip for them all: each session's four parts are UNION ALL
 * branches told apart by `part` and `k` (every stored session asks this, so a statement per
 * session was most of what storing one cost MySQL and the gateway). Text protocol: a prepared
 * statement per batch size would otherwise be cached on every connection.
 */
export async function readSessionHistories(pool: Pool, sessions: StoredSession[]): Promise<SessionHistory[]> {
  if (sessions.length === 0) return [];
  const [rows] = await pool.query<RowDataPacket[]>(sessions.map((_, k) => historyParts(k)).join('\n     UNION ALL\n     '), sessions.flatMap(historyParams));
  const byK = sessions.map((): RowDataPacket[] => []);
  for (const row of rows) byK[Number(row.k)]!.push(row);
  return byK.map(historyOf);
}
