/** Tombstones of deleted sessions (migration 007): what a late retry or a repair must not bring back. */
import type { RowDataPacket } from 'mysql2/promise';
import type { Queryable } from './pool.ts';
import { epochToIso } from './profiles.ts';

export interface Tombstone {
  sessionId: string;
  uid: string;
  deletedAt: string;
}

export async function recordTombstone(db: Queryable, sessionId: string, uid: string): Promise<void> {
  await db.execute('INSERT IGNORE INTO session_tombstones (session_id, user_id) VALUES (?, ?)', [sessionId, uid]);
}

export async function findTombstone(db: Queryable, sessionId: string): Promise<Tombstone | undefined> {
  return (await findTombstones(db, [sessionId])).get(sessionId);
}

/** The tombstones among `sessionIds`, by session id. */
export async function findTombstones(db: Queryable, sessionIds: readonly string[]): Promise<Map<string, Tombstone>> {
  const out = new Map<string, Tombstone>();
  for (let i = 0; i < sessionIds.length; i += 500) {
    const chunk = sessionIds.slice(i, i + 500);
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT session_id, user_id, UNIX_TIMESTAMP(deleted_at) AS deleted_epoch FROM session_tombstones WHERE session_id IN (?)`,
      [chunk],
    );
    for (const row of rows) {
      out.set(String(row.session_id), { sessionId: String(row.session_id), uid: String(row.user_id), deletedAt: epochToIso(row.deleted_epoch) });
    }
  }
  return out;
}

/** Who holds `sessionId` in MySQL (any person), for conflict checks; undefined when no row has it. */
export async function mysqlOwnerOf(db: Queryable, sessionId: string): Promise<{ uid: string; deviceId?: string } | undefined> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT user_id, device_id FROM workout_sessions WHERE session_id = ?', [sessionId]);
  const row = rows[0];
  if (!row) return undefined;
  return row.device_id === null ? { uid: String(row.user_id) } : { uid: String(row.user_id), deviceId: String(row.device_id) };
}

/** Every uid MySQL knows a session, profile or tombstone of: reconcile's "everyone". */
export async function knownUids(db: Queryable): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT userId AS uid FROM user_health_profiles
      UNION SELECT user_id FROM workout_sessions
      UNION SELECT user_id FROM session_tombstones`,
  );
  return rows.map((row) => String(row.uid)).sort();
}
