/**
 * A person's own things beyond their sessions: the mirrors paired with them, and deleting
 * everything of theirs. Deletion goes in the order that cannot leave new data behind: unpair
 * every mirror (each hears it at once, so no new session is recorded for them), then Firestore
 * (users/{uid} with every collection under it), then the MySQL profile, whose ON DELETE CASCADE
 * removes their sessions, current pairings and pairing history.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from '../log.ts';

/** The confirmation DELETE /api/users/{uid} needs in its body: the app asks twice before sending it. */
export const DELETE_ACCOUNT_CONFIRMATION = 'delete everything';

export interface PairedMirror {
  deviceId: string;
  name: string | null;
  room: string | null;
  pairedAt: string;
}

export async function pairedMirrors(pool: Pool, uid: string): Promise<PairedMirror[]> {
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT b.device_id, d.name, d.room, UNIX_TIMESTAMP(b.bound_at) AS bound_epoch
       FROM device_bindings b JOIN devices d ON d.device_id = b.device_id
      WHERE b.user_id = ? ORDER BY b.bound_at, b.device_id`,
    [uid],
  );
  return rows.map((r) => ({
    deviceId: String(r.device_id),
    name: r.name === null ? null : String(r.name),
    room: r.room === null ? null : String(r.room),
    pairedAt: new Date(Number(r.bound_epoch) * 1000).toISOString(),
  }));
}

/** Collections the gateway writes under users/{uid}; listCollections() adds any other where the server supports it. */
const KNOWN_COLLECTIONS = ['workoutSessions', 'devices'];
const BATCH = 400; // a Firestore batch holds at most 500 writes

/** users/{uid} and the documents of every collection under it, in batches; returns how many were deleted. */
async function deleteUserDocuments(firestore: Firestore, uid: string): Promise<number> {
  const user = firestore.doc(`users/${uid}`);
  const listed = await user.listCollections().then((cs) => cs.map((c) => c.id), () => [] as string[]);
  let deleted = 0;
  for (const name of new Set([...KNOWN_COLLECTIONS, ...listed])) {
    for (;;) {
      const docs = (await user.collection(name).limit(BATCH).get()).docs;
      if (docs.length === 0) break;
      const batch = firestore.batch();
      for (const d of docs) batch.delete(d.ref);
      await batch.commit();
      deleted += docs.length;
    }
  }
  if ((await user.get()).exists) {
    await user.delete();
    deleted++;
  }
  return deleted;
}

export interface AccountDeletion {
  mirrorsUnpaired: number;
  firestoreDocuments: number;
  mysqlSessions: number;
}

export async function deleteAccount(
  deps: { pool: Pool; firestore: Firestore; unpair(deviceId: string, uid: string): Promise<void>; log: Logger },
  uid: string,
): Promise<AccountDeletion> {
  const mirrors = await pairedMirrors(deps.pool, uid);
  for (const m of mirrors) await deps.unpair(m.deviceId, uid);

  const firestoreDocuments = await deleteUserDocuments(deps.firestore, uid);

  const [[counted]] = await deps.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM workout_sessions WHERE user_id = ?', [uid]);
  await deps.pool.execute<ResultSetHeader>('DELETE FROM user_health_profiles WHERE userId = ?', [uid]);
  const result = { mirrorsUnpaired: mirrors.length, firestoreDocuments, mysqlSessions: Number(counted?.n ?? 0) };
  deps.log.info({ uid, ...result }, 'account deleted at the person\'s request');
  return result;
}
