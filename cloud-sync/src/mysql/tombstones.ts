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

/** Every uid MySQL knows a session, profile or tombstone of: reconcile's "everyone". */
export async function knownUids(db: Queryable): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT userId AS uid FROM user_health_profiles
      UNION SELECT user_id FROM workout_sessions
      UNION SELECT user_id FROM session_tombstones`,
  );
  return rows.map((row) => String(row.uid)).sort();
}

/** What MySQL knows of a session id: its tombstone, if any, and the row holding it, if any (any person's). */
export interface SessionIdRecord {
  tombstone?: { uid: string; deletedAt: string };
  row?: { uid: string; deviceId?: string };
}

/**
 * MySQL's word on a session id in one round trip. For the gateway's conflict check when Redis has
 * no claim.
 */
export async function sessionIdRecord(db: Queryable, sessionId: string): Promise<SessionIdRecord> {
  return (await sessionIdRecords(db, [sessionId])).get(sessionId) ?? {};
}

/** sessionIdRecord for several ids in one round trip; ids MySQL knows nothing of are absent. */
export async function sessionIdRecords(db: Queryable, sessionIds: readonly string[]): Promise<Map<string, SessionIdRecord>> {
  const out = new Map<string, SessionIdRecord>();
  if (sessionIds.length === 0) return out;
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT 'tombstone' AS kind, session_id, user_id, NULL AS device_id, UNIX_TIMESTAMP(deleted_at) AS deleted_epoch FROM session_tombstones WHERE session_id IN (?)
     UNION ALL
     SELECT 'row', session_id, user_id, device_id, NULL FROM workout_sessions WHERE session_id IN (?)`,
    [sessionIds, sessionIds],
  );
  for (const r of rows) {
    const id = String(r.session_id);
    const record = out.get(id) ?? {};
    if (r.kind === 'tombstone') record.tombstone = { uid: String(r.user_id), deletedAt: epochToIso(r.deleted_epoch) };
    else record.row = r.device_id === null ? { uid: String(r.user_id) } : { uid: String(r.user_id), deviceId: String(r.device_id) };
    out.set(id, record);
  }
  return out;
}
