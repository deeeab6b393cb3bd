/**
 * reconcileStores against the real stores (local MariaDB, Firestore emulator): differences made
 * behind the gateway's back are found, repaired by the documented rule, and a second run is clean.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase-admin/firestore';
import {
  createFirestoreSessionRepository,
  createMysqlSessionRepository,
  ensureProfile,
  reconcileStores,
  recordTombstone,
  type ReconcileStores,
  type SessionRepository,
} from '../src/index.ts';
import {
  createTestDatabase,
  createTestFirestore,
  type TestDatabase,
  type TestFirestore,
} from './support/testStores.ts';
import { makeSession } from './sessionRepositoryConformance.ts';

let db: TestDatabase;
let fs: TestFirestore;
let firestore: SessionRepository;
let mysql: SessionRepository;
let stores: ReconcileStores;

beforeAll(async () => {
  [db, fs] = await Promise.all([createTestDatabase(), createTestFirestore()]);
  firestore = createFirestoreSessionRepository(fs.firestore);
  mysql = createMysqlSessionRepository(db.pool);
  stores = { firestore, mysql, db: db.pool };
});
afterAll(async () => {
  await Promise.all([db?.drop(), fs?.close()]);
});

async function saveBoth(overrides: Parameters<typeof makeSession>[0]) {
  const s = makeSession(overrides);
  await Promise.all([firestore.save(s), mysql.save(s)]);
  return s;
}

const docOf = (f: Firestore, uid: string, id: string) => f.doc(`users/${uid}/workoutSessions/${id}`);

describe('reconcileStores', () => {
  it('finds a row deleted and fields changed behind the gateway’s back, repairs them (Firestore wins), and then reports 0 differences', async () => {
    const uid = `uid-${randomUUID()}`;
    const [rowGone, mysqlEdited, firestoreEdited, docGone, deletedLate, fine] = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => saveBoth({ userId: uid, timestamp: `2026-11-2${i}T08:00:00.000Z`, duration: 30 + i })),
    );
    await db.pool.execute('DELETE FROM workout_sessions WHERE session_id = ?', [rowGone!.sessionId]);
    await db.pool.execute('UPDATE workout_sessions SET reps = 999, feedback_points = ? WHERE session_id = ?', ['["tampered"]', mysqlEdited!.sessionId]);
    await docOf(fs.firestore, uid, firestoreEdited!.sessionId).update({ duration: 1234 });
    await docOf(fs.firestore, uid, docGone!.sessionId).delete();
    // Deleted by its owner, but MySQL's delete never happened: it must go, not come back.
    await docOf(fs.firestore, uid, deletedLate!.sessionId).delete();
    await recordTombstone(db.pool, deletedLate!.sessionId, uid);

    const found = await reconcileStores(stores, { uid, settleMs: 0 });
    expect(found).toMatchObject({ checked: 6, missingInMysql: 1, missingInFirestore: 1, different: 2, deleted: 1, repaired: 0, users: 1 });
    const byId = new Map(found.differences.map((d) => [d.sessionId, d]));
    expect(byId.get(rowGone!.sessionId)).toMatchObject({ kind: 'missingInMysql' });
    expect(byId.get(mysqlEdited!.sessionId)).toMatchObject({ kind: 'different', fields: ['reps', 'feedbackPoints'] });
    expect(byId.get(firestoreEdited!.sessionId)).toMatchObject({ kind: 'different', fields: ['duration'] });
    expect(byId.get(docGone!.sessionId)).toMatchObject({ kind: 'missingInFirestore' });
    expect(byId.get(deletedLate!.sessionId)).toMatchObject({ kind: 'deleted' });
    expect(byId.has(fine!.sessionId)).toBe(false);

    const repaired = await reconcileStores(stores, { uid, settleMs: 0, repair: true });
    expect(repaired).toMatchObject({ repaired: 5, failed: 0 });
    // Firestore is primary: the tampered MySQL row is back to Firestore's values, and Firestore's edit wins.
    expect(await mysql.get(uid, mysqlEdited!.sessionId)).toMatchObject({ reps: mysqlEdited!.reps, feedbackPoints: mysqlEdited!.feedbackPoints });
    expect(await mysql.get(uid, firestoreEdited!.sessionId)).toMatchObject({ duration: 1234 });
    expect(await mysql.get(uid, rowGone!.sessionId)).toMatchObject({ reps: rowGone!.reps, timestamp: rowGone!.timestamp });
    expect(await firestore.get(uid, docGone!.sessionId)).toMatchObject({ reps: docGone!.reps, duration: docGone!.duration, deviceId: docGone!.deviceId });
    expect(await mysql.get(uid, deletedLate!.sessionId)).toBeUndefined();

    const clean = await reconcileStores(stores, { uid, settleMs: 0 });
    expect(clean).toMatchObject({ checked: 5, missingInFirestore: 0, missingInMysql: 0, different: 0, deleted: 0 });
  });

  it('leaves alone a session written moments ago on one side only (its other write may be queued)', async () => {
    const uid = `uid-${randomUUID()}`;
    const s = makeSession({ userId: uid });
    await firestore.save(s);
    expect(await reconcileStores(stores, { uid, repair: true })).toMatchObject({ checked: 1, missingInMysql: 0, repaired: 0 });
    expect(await reconcileStores(stores, { uid, settleMs: 0 })).toMatchObject({ missingInMysql: 1 });
  });

  it('runs for everyone although MySQL knows uids Firestore cannot name: a bare profile is skipped, a session under it is reported and not repairable', async () => {
    const bad = `team/${randomUUID()}`;
    await ensureProfile(db.pool, bad); // e.g. a pairing, or the original backend's own profile
    const good = await saveBoth({ userId: `uid-${randomUUID()}` });
    await db.pool.execute('UPDATE workout_sessions SET reps = reps + 1 WHERE session_id = ?', [good.sessionId]);
    const before = await reconcileStores(stores, { settleMs: 0 });
    expect(before.differences.filter((d) => d.uid === bad)).toEqual([]);
    expect(before.differences.find((d) => d.sessionId === good.sessionId)).toMatchObject({ kind: 'different' });
    // A session the original backend stored under such a uid: only MySQL can hold it.
    const orphan = makeSession({ userId: bad });
    await mysql.save(orphan);
    const repaired = await reconcileStores(stores, { uid: bad, settleMs: 0, repair: true });
    expect(repaired).toMatchObject({ missingInFirestore: 1, repaired: 0, failed: 1 });
    expect(repaired.differences[0]!.error).toMatch(/must not contain "\/".*Firestore cannot hold this session/);
    await db.pool.execute('DELETE FROM user_health_profiles WHERE userId = ?', [bad]);
  });

  it('checks everyone MySQL knows, only inside [since, until), and reports progress per person', async () => {
    const uids = [`uid-${randomUUID()}`, `uid-${randomUUID()}`];
    for (const uid of uids) {
      const inside = await saveBoth({ userId: uid, timestamp: '2026-10-10T10:00:00.000Z' });
      const outside = await saveBoth({ userId: uid, timestamp: '2026-09-10T10:00:00.000Z' });
      await db.pool.execute('UPDATE workout_sessions SET reps = reps + 1 WHERE session_id IN (?, ?)', [inside.sessionId, outside.sessionId]);
    }
    const progress: number[] = [];
    const report = await reconcileStores(stores, { since: '2026-10-01T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z', settleMs: 0, onProgress: (p) => progress.push(p.usersDone) });
    expect(report.different).toBe(2);
    expect(report.differences.map((d) => d.uid).sort()).toEqual([...uids].sort());
    expect(progress.length).toBe(report.users);
    expect(report.users).toBeGreaterThanOrEqual(2);
  });

  it('reconciles 1,000 sessions of 20 people page by page (speed printed)', async () => {
    const uids = Array.from({ length: 20 }, () => `bulk-${randomUUID()}`);
    const sessions = uids.flatMap((uid) => Array.from({ length: 50 }, (_, i) => makeSession({ userId: uid, timestamp: new Date(Date.UTC(2026, 7, 1 + (i % 28), i % 24)).toISOString() })));
    for (let i = 0; i < sessions.length; i += 50) await Promise.all(sessions.slice(i, i + 50).flatMap((s) => [firestore.save(s), mysql.save(s)]));
    // Break one in ten behind the gateway's back.
    const broken = sessions.filter((_, i) => i % 10 === 0);
    for (const s of broken) await db.pool.execute('DELETE FROM workout_sessions WHERE session_id = ?', [s.sessionId]);
    const started = performance.now();
    let checked = 0;
    for (const uid of uids) {
      const r = await reconcileStores(stores, { uid, settleMs: 0, repair: true, pageSize: 100 });
      checked += r.checked;
      expect(r.missingInMysql).toBe(5);
      expect(r.repaired).toBe(5);
    }
    const ms = performance.now() - started;
    console.log(`reconcile: ${checked} sessions (100 repaired) in ${ms.toFixed(0)} ms = ${((checked / ms) * 1000).toFixed(0)} sessions/s`);
    expect(checked).toBe(1000);
  }, 180_000);
});
