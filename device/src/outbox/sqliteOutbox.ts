/** The outbox on SQLite (better-sqlite3): WAL journal, synchronous=FULL, one transaction per change. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ackReleasesSession, describeIssues, sessionPayloadSchema } from '@pose-coach/protocol';
import type { SessionAck, SessionPayload, SessionStats } from '@pose-coach/protocol';
import { DEFAULT_DISK_POLICY, type DiskPolicy } from './policy.ts';
import type {
  AckOutcome,
  DueOptions,
  HistoryEntry,
  OutboxDepth,
  OutboxEntry,
  OutboxStore,
  PruneReport,
  QuarantineEntry,
  SyncState,
} from './types.ts';

const SCHEMA = readFileSync(new URL('./schema.sql', import.meta.url), 'utf8');

export class InvalidSessionError extends Error {
  override name = 'InvalidSessionError';
}

interface OutboxRow {
  session_id: string;
  payload: string;
  state: 'pending' | 'unpaired';
  attempts: number;
  created_at: number;
  last_attempt_at: number | null;
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    sessionId: row.session_id,
    payload: JSON.parse(row.payload) as SessionPayload,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    ...(row.last_attempt_at !== null ? { lastAttemptAt: row.last_attempt_at } : {}),
  };
}

/**
 * Opens (creating when missing) the outbox database at `path`; `:memory:` gives a throwaway one.
 * Constructing it does no network I/O; it only opens the file.
 */
function configure(db: Database.Database): void {
  // auto_vacuum must be chosen before the first table exists; it lets prune() give pages back.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk when put()/applyAck() return, even through a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
}

/**
 * Opens the database; one that is damaged (a failing SD card) is moved aside, kept for
 * inspection, and replaced by an empty one, so the mirror keeps working instead of crash-looping.
 */
function openDatabase(path: string, onCorrupt?: (movedTo: string, error: string) => void): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    configure(db);
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? '';
    if (path === ':memory:' || !(/CORRUPT|NOTADB/.test(code) || /quick_check|malformed|not a database/i.test((err as Error).message))) throw err;
    const movedTo = `${path}.corrupt-${Date.now()}`;
    renameSync(path, movedTo);
    for (const side of ['-wal', '-shm']) if (existsSync(path + side)) renameSync(path + side, movedTo + side);
    onCorrupt?.(movedTo, (err as Error).message);
    const fresh = new Database(path);
    configure(fresh);
    return fresh;
  }
}

export interface OpenOutboxOptions {
  /** Told when a damaged database was moved aside (the agent logs it as an error). */
  onCorrupt?(movedTo: string, error: string): void;
}

export function openSqliteOutbox(path: string, policy: Partial<DiskPolicy> = {}, opts: OpenOutboxOptions = {}): OutboxStore {
  const limits: DiskPolicy = { ...DEFAULT_DISK_POLICY, ...policy };
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path, opts.onCorrupt);

  const q = {
    insertOutbox: db.prepare(
      'INSERT OR IGNORE INTO outbox (session_id, payload, created_at) VALUES (?, ?, ?)',
    ),
    insertHistory: db.prepare(
      `INSERT OR IGNORE INTO history (session_id, started_at, exercise, reps, accuracy, duration, payload, sync, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    ),
    inQuarantine: db.prepare('SELECT 1 FROM quarantine WHERE session_id = ?'),
    due: db.prepare(
      `SELECT * FROM outbox
       WHERE (state = 'pending' AND (last_attempt_at IS NULL OR last_attempt_at <= ?))
          OR (state = 'unpaired' AND last_attempt_at <= ?)
       ORDER BY created_at, session_id LIMIT ?`,
    ),
    markAttempt: db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE session_id = ?',
    ),
    get: db.prepare('SELECT * FROM outbox WHERE session_id = ?'),
    deleteOutbox: db.prepare('DELETE FROM outbox WHERE session_id = ?'),
    setUnpaired: db.prepare("UPDATE outbox SET state = 'unpaired', last_attempt_at = ? WHERE session_id = ?"),
    setSync: db.prepare('UPDATE history SET sync = ?, feedback = COALESCE(?, feedback) WHERE session_id = ?'),
    insertQuarantine: db.prepare(
      'INSERT OR REPLACE INTO quarantine (session_id, payload, reason, quarantined_at) VALUES (?, ?, ?, ?)',
    ),
    releaseUnpaired: db.prepare(
      "UPDATE outbox SET state = 'pending', last_attempt_at = NULL WHERE state = 'unpaired'",
    ),
    historyUnpairedToPending: db.prepare("UPDATE history SET sync = 'pending' WHERE sync = 'unpaired'"),
    depth: db.prepare(
      `SELECT (SELECT COUNT(*) FROM outbox) AS pending,
              (SELECT COUNT(*) FROM outbox WHERE state = 'unpaired') AS unpaired,
              (SELECT COUNT(*) FROM quarantine) AS quarantined,
              (SELECT COALESCE(MAX(value), 0) FROM counters WHERE name = 'dropped') AS dropped`,
    ),
    quarantine: db.prepare('SELECT * FROM quarantine ORDER BY quarantined_at DESC LIMIT ?'),
    history: db.prepare('SELECT * FROM history WHERE started_at >= ? ORDER BY started_at DESC LIMIT ?'),
    stats: db.prepare(
      `SELECT COUNT(*) AS totalSessions, COALESCE(SUM(reps), 0) AS totalReps,
              COALESCE(AVG(accuracy), 0) AS averageAccuracy, COALESCE(SUM(duration), 0) AS totalDuration
       FROM history WHERE started_at >= ? AND sync != 'rejected'`,
    ),
    bumpDropped: db.prepare(
      "INSERT INTO counters (name, value) VALUES ('dropped', ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
    ),
    pruneHistoryAge: db.prepare('DELETE FROM history WHERE finished_at < ? AND sync IN (\'synced\', \'rejected\')'),
    pruneHistoryCount: db.prepare(
      `DELETE FROM history WHERE sync IN ('synced', 'rejected') AND session_id IN (
         SELECT session_id FROM history WHERE sync IN ('synced', 'rejected')
         ORDER BY finished_at DESC LIMIT -1 OFFSET ?)`,
    ),
    pruneQuarantineAge: db.prepare('DELETE FROM quarantine WHERE quarantined_at < ?'),
    pruneQuarantineCount: db.prepare(
      `DELETE FROM quarantine WHERE session_id IN (
         SELECT session_id FROM quarantine ORDER BY quarantined_at DESC LIMIT -1 OFFSET ?)`,
    ),
    // Oldest pending beyond the cap: the one loss the policy allows, counted and logged by the caller.
    prunePendingCount: db.prepare(
      `DELETE FROM outbox WHERE session_id IN (
         SELECT session_id FROM outbox ORDER BY created_at DESC LIMIT -1 OFFSET ?) RETURNING session_id`,
    ),
  };

  const put = db.transaction((s: SessionPayload, now: number) => {
    if (q.inQuarantine.get(s.sessionId)) return;
    const text = JSON.stringify(s);
    q.insertOutbox.run(s.sessionId, text, now);
    q.insertHistory.run(s.sessionId, s.timestamp, s.exercise, s.reps, s.accuracy, s.duration, text, now);
  });

  const markAttempts = db.transaction((ids: readonly string[], now: number) => {
    for (const id of ids) q.markAttempt.run(now, id);
  });

  const applyAck = db.transaction((ack: SessionAck, now: number): AckOutcome => {
    const row = q.get.get(ack.sessionId) as OutboxRow | undefined;
    if (!row) {
      // A duplicate ack for a session already released still carries the feedback worth showing.
      if (ackReleasesSession(ack.status)) q.setSync.run('synced', ack.motivationalFeedback ?? null, ack.sessionId);
      return 'unknown';
    }
    if (ackReleasesSession(ack.status)) {
      q.deleteOutbox.run(ack.sessionId);
      q.setSync.run('synced', ack.motivationalFeedback ?? null, ack.sessionId);
      return 'released';
    }
    if (ack.status === 'rejected') {
      q.insertQuarantine.run(ack.sessionId, row.payload, ack.error ?? 'rejected by the gateway (no reason given)', now);
      q.deleteOutbox.run(ack.sessionId);
      q.setSync.run('rejected', null, ack.sessionId);
      return 'quarantined';
    }
    q.setUnpaired.run(now, ack.sessionId);
    q.setSync.run('unpaired', null, ack.sessionId);
    return 'unpaired';
  });

  const applyAcks = db.transaction((acks: readonly SessionAck[], now: number): AckOutcome[] => acks.map((a) => applyAck(a, now)));

  const releaseUnpaired = db.transaction((): number => {
    const n = q.releaseUnpaired.run().changes;
    q.historyUnpairedToPending.run();
    return n;
  });

  const prune = db.transaction((now: number): PruneReport => {
    const day = 86_400_000;
    const history =
      q.pruneHistoryAge.run(now - limits.historyDays * day).changes +
      q.pruneHistoryCount.run(limits.maxHistory).changes;
    const quarantine =
      q.pruneQuarantineAge.run(now - limits.quarantineDays * day).changes +
      q.pruneQuarantineCount.run(limits.maxQuarantine).changes;
    const dropped = q.prunePendingCount.all(limits.maxPending) as { session_id: string }[];
    for (const d of dropped) q.setSync.run('rejected', null, d.session_id);
    if (dropped.length) q.bumpDropped.run(dropped.length);
    return { history, quarantine, pending: dropped.length };
  });

  let closed = false;
  return {
    put(session, now = Date.now()) {
      const parsed = sessionPayloadSchema.safeParse(session);
      if (!parsed.success) {
        throw new InvalidSessionError(`session not stored, it would be rejected: ${describeIssues(parsed.error)}`);
      }
      put(parsed.data, now);
    },
    quarantineLocally(session, reason, now = Date.now()) {
      const id = (session as { sessionId?: unknown } | null)?.sessionId;
      q.insertQuarantine.run(typeof id === 'string' && id ? id : randomUUID(), JSON.stringify(session ?? null), reason, now);
    },
    due(limit, opts: DueOptions) {
      const rows = q.due.all(opts.now - opts.resendAfterMs, opts.now - opts.unpairedRetryMs, limit + (opts.exclude?.size ?? 0)) as OutboxRow[];
      return rows.filter((r) => !opts.exclude?.has(r.session_id)).slice(0, limit).map(toEntry);
    },
    markAttempt(sessionIds, now = Date.now()) {
      markAttempts(sessionIds, now);
    },
    applyAck(ack, now = Date.now()) {
      return applyAck(ack, now);
    },
    applyAcks(acks, now = Date.now()) {
      return applyAcks(acks, now);
    },
    releaseUnpaired() {
      return releaseUnpaired();
    },
    depth(): OutboxDepth {
      return q.depth.get() as OutboxDepth;
    },
    get(sessionId) {
      const row = q.get.get(sessionId) as OutboxRow | undefined;
      return row ? toEntry(row) : undefined;
    },
    quarantine(limit = 100): QuarantineEntry[] {
      return (q.quarantine.all(limit) as { session_id: string; payload: string; reason: string; quarantined_at: number }[]).map(
        (r) => ({
          sessionId: r.session_id,
          payload: JSON.parse(r.payload) as SessionPayload,
          reason: r.reason,
          quarantinedAt: r.quarantined_at,
        }),
      );
    },
    history(sinceIso, limit = 500): HistoryEntry[] {
      return (
        q.history.all(sinceIso, limit) as { payload: string; sync: SyncState; feedback: string | null; finished_at: number }[]
      ).map((r) => ({
        session: JSON.parse(r.payload) as SessionPayload,
        sync: r.sync,
        ...(r.feedback !== null ? { motivationalFeedback: r.feedback } : {}),
        finishedAt: r.finished_at,
      }));
    },
    stats(sinceIso): SessionStats {
      return q.stats.get(sinceIso) as SessionStats;
    },
    prune(now = Date.now()) {
      const report = prune(now);
      if (report.history + report.quarantine + report.pending > 0 && path !== ':memory:') {
        // Give freed pages back and keep the WAL file from growing without bound.
        db.pragma('incremental_vacuum');
        db.pragma('wal_checkpoint(TRUNCATE)');
      }
      return report;
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
