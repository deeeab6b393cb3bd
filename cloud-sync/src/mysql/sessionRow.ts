/** Session ⇄ workout_sessions row (the original columns plus session_id, device_id, simulated and movement). */
import type { RowDataPacket } from 'mysql2/promise';
import type { StoredSession } from '@pose-coach/protocol';
import { roundAccuracy, type WorkoutSessionRecord } from '../sessionRepository.ts';
import { epochToIso } from './profiles.ts';

export const SESSION_COLUMNS = `id, session_id, user_id, device_id, exercise, reps, accuracy, \`timestamp\`, duration,
  feedback_points, simulated, movement, UNIX_TIMESTAMP(created_at) AS created_epoch`;

/**
 * Rows the original backend wrote have no session_id; they are addressed as `mysql-<id>` so
 * they can still be listed, read and deleted through the interface.
 */
const LEGACY_PREFIX = 'mysql-';

export function legacyRowId(sessionId: string): number | undefined {
  const match = /^mysql-(\d{1,10})$/.exec(sessionId);
  return match ? Number(match[1]) : undefined;
}

export function toInsertValues(session: StoredSession): (string | number | null)[] {
  return [
    session.sessionId,
    session.userId,
    session.deviceId ?? null,
    session.exercise,
    session.reps,
    session.accuracy,
    session.timestamp,
    // The column is INT (original schema): the gateway rounds duration once, before either store
    // (protocol normaliseStoredNumbers), so this keeps the value Firestore has.
    Math.round(session.duration),
    JSON.stringify(session.feedbackPoints),
    session.simulated ? 1 : 0,
    session.movement ?? null,
  ];
}

export const INSERT_SESSION_SQL = `INSERT INTO workout_sessions
  (session_id, user_id, device_id, exercise, reps, accuracy, \`timestamp\`, duration, feedback_points, simulated, movement)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Several rows in one statement, for query() with [[...toInsertValues(session)], ...]. */
export const INSERT_SESSIONS_SQL = `INSERT INTO workout_sessions
  (session_id, user_id, device_id, exercise, reps, accuracy, \`timestamp\`, duration, feedback_points, simulated, movement)
  VALUES ?`;

/** Reconcile's repair: the row becomes exactly the session (created_at kept). */
export const UPSERT_SESSION_SQL = `${INSERT_SESSION_SQL}
  ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), device_id = VALUES(device_id), exercise = VALUES(exercise),
    reps = VALUES(reps), accuracy = VALUES(accuracy), \`timestamp\` = VALUES(\`timestamp\`),
    duration = VALUES(duration), feedback_points = VALUES(feedback_points), simulated = VALUES(simulated),
    movement = VALUES(movement)`;

/** A row's session id in the order pages use: its UUID, or mysql-<id> for the original backend's rows. */
export const SESSION_KEY_SQL = `COALESCE(session_id, CONCAT('${LEGACY_PREFIX}', id))`;

/** feedback_points as JSON text; anything else the original backend may have left is kept as one point. */
export function parseFeedbackPoints(text: unknown): string[] {
  if (text === null || text === undefined || text === '') return [];
  const raw = String(text);
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON: fall through
  }
  return [raw];
}

export function fromSessionRow(row: RowDataPacket): WorkoutSessionRecord {
  const record: WorkoutSessionRecord = {
    sessionId: row.session_id === null ? `${LEGACY_PREFIX}${row.id}` : String(row.session_id),
    userId: String(row.user_id),
    exercise: String(row.exercise),
    reps: Number(row.reps),
    // FLOAT keeps ~7 significant digits: 0.9 reads back as 0.8999999761..., rounded back here.
    accuracy: roundAccuracy(Number(row.accuracy)),
    timestamp: String(row.timestamp),
    duration: Number(row.duration),
    feedbackPoints: parseFeedbackPoints(row.feedback_points),
    createdAt: epochToIso(row.created_epoch),
  };
  if (row.device_id !== null) record.deviceId = String(row.device_id);
  if (Number(row.simulated) === 1) record.simulated = true;
  if (row.movement !== null && row.movement !== undefined) record.movement = String(row.movement);
  return record;
}
