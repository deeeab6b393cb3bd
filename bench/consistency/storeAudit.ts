/**
 * What bench:consistency checks after every fault: the sessions each store holds (read page by page
 * for every person of the campaign), compared with the sessions the mirrors had acknowledged, and
 * what `reconcile` (without repair) finds between the stores.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { reconcileStores, type ReconcileReport, type SessionRepository } from '@pose-coach/cloud-sync';

export interface StoreAudit {
  mysqlRows: number;
  /** Rows beyond the first of a sessionId (a session stored twice). */
  mysqlDoubled: number;
  firestoreDocs: number;
  /** Acknowledged `stored` but missing from a store. */
  lost: number;
  /** In a store without a `stored` ack. */
  unacked: number;
  reconcile: ReconcileReport;
  reconcileMs: number;
}

export async function auditStores(
  stores: { db: Pool; firestore: SessionRepository; mysql: SessionRepository },
  uids: string[],
  storedAcks: Set<string>,
): Promise<StoreAudit> {
  const [rows] = await stores.db.query<RowDataPacket[]>('SELECT session_id FROM workout_sessions');
  const inMysql = new Set(rows.map((r) => String(r.session_id)));
  const inFirestore = new Set<string>();
  let firestoreDocs = 0;
  for (const uid of uids) {
    let cursor: string | undefined;
    do {
      const page = await stores.firestore.page(uid, { limit: 500, cursor });
      for (const s of page.sessions) inFirestore.add(s.sessionId);
      firestoreDocs += page.sessions.length;
      cursor = page.nextCursor;
    } while (cursor);
  }
  let lost = 0;
  for (const id of storedAcks) if (!inMysql.has(id) || !inFirestore.has(id)) lost++;
  let unacked = 0;
  for (const id of new Set([...inMysql, ...inFirestore])) if (!storedAcks.has(id)) unacked++;
  const started = performance.now();
  const reconcile = await reconcileStores({ firestore: stores.firestore, mysql: stores.mysql, db: stores.db }, { settleMs: 0 });
  return { mysqlRows: rows.length, mysqlDoubled: rows.length - inMysql.size, firestoreDocs, lost, unacked, reconcile, reconcileMs: performance.now() - started };
}

export function differencesOf(r: ReconcileReport): number {
  return r.missingInFirestore + r.missingInMysql + r.different + r.deleted;
}
