/**
 * Reconcile: compares Firestore and MySQL session by session, for one person or everyone and a
 * time range, and with `repair` makes them agree. The seed's "sync Firebase → MySQL, or the other
 * way for data recovery" is this.
 *
 * The rule: Firestore is the primary record, MySQL the analytics copy.
 * - only in Firestore → copied to MySQL;
 * - only in MySQL → copied to Firestore (data recovery: Firestore lost it);
 * - in both with a field that differs (exercise, reps, accuracy to 6 decimals, timestamp,
 *   duration, feedbackPoints, deviceId, simulated, movement) → the MySQL row is rewritten from Firestore, every
 *   field, whichever side looks "better";
 * - a session with a tombstone (deleted by its owner) → deleted from whichever store still
 *   holds it, never copied back.
 * Sessions whose only copy was written less than `settleMs` ago are left alone: the other
 * store's write may still be in its queue. A uid that cannot be a Firestore path segment (a
 * profile the original backend or a pairing made, e.g. with a "/") has no Firestore side: its
 * MySQL sessions are reported missing in Firestore and cannot be repaired; a profile without
 * sessions is nothing to compare.
 */
import { pathSegmentIssue } from '@pose-coach/protocol';
import type { Queryable } from './mysql/pool.ts';
import { findTombstones, knownUids } from './mysql/tombstones.ts';
import { roundAccuracy, type SessionRepository, type TimeRange, type WorkoutSessionRecord } from './sessionRepository.ts';

export type DifferenceKind = 'missingInFirestore' | 'missingInMysql' | 'different' | 'deleted';

export interface Difference {
  uid: string;
  sessionId: string;
  kind: DifferenceKind;
  /** For `different`: the fields that differ. */
  fields?: string[];
  /** What repair did; absent without --repair or when the repair failed (then `error`). */
  repaired?: 'copiedToMysql' | 'copiedToFirestore' | 'mysqlRewritten' | 'deletedFromStores';
  error?: string;
}

export interface ReconcileReport {
  checked: number;
  missingInFirestore: number;
  missingInMysql: number;
  different: number;
  /** Sessions deleted by their owner that a store still held. */
  deleted: number;
  repaired: number;
  failed: number;
  users: number;
  durationMs: number;
  /** The first 1,000 differences, for a person to read. */
  differences: Difference[];
}

export interface ReconcileOptions {
  uid?: string;
  /** ISO times: sessions whose `timestamp` is in [since, until). */
  since?: string;
  until?: string;
  repair?: boolean;
  /** Default 60 s. */
  settleMs?: number;
  /** Sessions read per page from each store; default 500. */
  pageSize?: number;
  onProgress?(progress: { usersDone: number; usersTotal: number; checked: number }): void;
  /** Stops the run between two people (a gateway shutting down must not keep writing its stores). */
  signal?: AbortSignal;
  now?: () => number;
}

export interface ReconcileStores {
  firestore: SessionRepository;
  mysql: SessionRepository;
  /** The MySQL database (tombstones, and the uids it knows). */
  db: Queryable;
  /** uids Firestore knows of that MySQL may not (a real Firestore lists them; the emulator cannot). */
  firestoreUids?: () => Promise<string[]>;
}

/** The fields both stores keep, as compared: a value that differs here is a difference. */
export function differingFields(a: WorkoutSessionRecord, b: WorkoutSessionRecord): string[] {
  const out: string[] = [];
  if (a.exercise !== b.exercise) out.push('exercise');
  if (a.reps !== b.reps) out.push('reps');
  if (roundAccuracy(a.accuracy) !== roundAccuracy(b.accuracy)) out.push('accuracy');
  if (a.timestamp !== b.timestamp) out.push('timestamp');
  if (a.duration !== b.duration) out.push('duration');
  if (JSON.stringify(a.feedbackPoints) !== JSON.stringify(b.feedbackPoints)) out.push('feedbackPoints');
  if ((a.deviceId ?? null) !== (b.deviceId ?? null)) out.push('deviceId');
  if (Boolean(a.simulated) !== Boolean(b.simulated)) out.push('simulated');
  if ((a.movement ?? null) !== (b.movement ?? null)) out.push('movement');
  return out;
}

async function readAll(repo: SessionRepository, uid: string, range: TimeRange | undefined, pageSize: number): Promise<Map<string, WorkoutSessionRecord>> {
  const out = new Map<string, WorkoutSessionRecord>();
  let cursor: string | undefined;
  do {
    const page = await repo.page(uid, { range, limit: pageSize, cursor });
    for (const s of page.sessions) out.set(s.sessionId, s);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

export async function reconcileStores(stores: ReconcileStores, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const started = Date.now();
  const now = options.now ?? Date.now;
  const settleMs = options.settleMs ?? 60_000;
  const pageSize = options.pageSize ?? 500;
  const range: TimeRange | undefined =
    options.since !== undefined || options.until !== undefined
      ? { fromIso: options.since ?? '0000', toIso: options.until ?? '9999' }
      : undefined;
  const uids = options.uid !== undefined
    ? [options.uid]
    : [...new Set([...(await knownUids(stores.db)), ...((await stores.firestoreUids?.().catch(() => [])) ?? [])])].sort();

  const report: ReconcileReport = { checked: 0, missingInFirestore: 0, missingInMysql: 0, different: 0, deleted: 0, repaired: 0, failed: 0, users: uids.length, durationMs: 0, differences: [] };
  const note = (d: Difference) => {
    if (report.differences.length < 1000) report.differences.push(d);
  };
  const settled = (s: WorkoutSessionRecord) => Date.parse(s.createdAt) <= now() - settleMs;

  async function repair(d: Difference, kind: NonNullable<Difference['repaired']>, action: () => Promise<unknown>) {
    if (!options.repair) return;
    try {
      await action();
      d.repaired = kind;
      report.repaired++;
    } catch (err) {
      d.error = (err as Error).message;
      report.failed++;
    }
  }

  for (const [index, uid] of uids.entries()) {
    options.signal?.throwIfAborted();
    const uidIssue = pathSegmentIssue(uid);
    const [inFirestore, inMysql] = await Promise.all([
      uidIssue ? new Map<string, WorkoutSessionRecord>() : readAll(stores.firestore, uid, range, pageSize),
      readAll(stores.mysql, uid, range, pageSize),
    ]);
    const ids = [...new Set([...inFirestore.keys(), ...inMysql.keys()])];
    const tombstones = await findTombstones(stores.db, ids);
    for (const sessionId of ids) {
      report.checked++;
      const f = inFirestore.get(sessionId);
      const m = inMysql.get(sessionId);
      if (tombstones.has(sessionId)) {
        const d: Difference = { uid, sessionId, kind: 'deleted' };
        report.deleted++;
        note(d);
        await repair(d, 'deletedFromStores', () => Promise.all([stores.firestore.delete(uid, sessionId), stores.mysql.delete(uid, sessionId)]));
      } else if (f && !m) {
        if (!settled(f)) continue;
        const d: Difference = { uid, sessionId, kind: 'missingInMysql' };
        report.missingInMysql++;
        note(d);
        await repair(d, 'copiedToMysql', () => stores.mysql.put(f));
      } else if (m && !f) {
        if (!settled(m)) continue;
        const d: Difference = { uid, sessionId, kind: 'missingInFirestore' };
        report.missingInFirestore++;
        note(d);
        await repair(d, 'copiedToFirestore', async () => {
          if (uidIssue) throw new Error(`userId ${JSON.stringify(uid)} ${uidIssue}: Firestore cannot hold this session`);
          await stores.firestore.put(m);
        });
      } else if (f && m) {
        const fields = differingFields(f, m);
        if (fields.length === 0) continue;
        const d: Difference = { uid, sessionId, kind: 'different', fields };
        report.different++;
        note(d);
        await repair(d, 'mysqlRewritten', () => stores.mysql.put(f));
      }
    }
    options.onProgress?.({ usersDone: index + 1, usersTotal: uids.length, checked: report.checked });
  }
  report.durationMs = Date.now() - started;
  return report;
}
