/**
 * The storage interface the gateway's workers and HTTP API share. Firestore and MySQL each
 * implement it, and both pass the one conformance suite in test/sessionRepositoryConformance.ts.
 */
import type { StoredSession, SessionStats, TimeRange } from '@pose-coach/protocol';

/**
 * A stored session as read back. Both stores keep the original app's fields plus sessionId,
 * userId and deviceId; Firestore also keeps the other additions (repDetails, model, ...), the
 * MySQL table does not have columns for them.
 */
export interface WorkoutSessionRecord extends StoredSession {
  /** When the store first wrote the session (ISO, UTC); never rewritten. */
  createdAt: string;
}

/** Sessions whose `timestamp` is in [fromIso, toIso) (defined with the periods in protocol). */
export type { TimeRange } from '@pose-coach/protocol';

/** One page of a person's sessions, newest first; `nextCursor` is absent on the last page. */
export interface SessionPage {
  sessions: WorkoutSessionRecord[];
  nextCursor?: string;
}

export interface PageOptions {
  range?: TimeRange;
  /** Sessions per page, at least 1. */
  limit: number;
  /** From the previous page's nextCursor. */
  cursor?: string;
}

export interface SessionRepository {
  readonly name: 'firestore' | 'mysql';
  /** Idempotent by sessionId: saving a session that is already stored writes nothing. */
  save(session: StoredSession): Promise<'created' | 'exists'>;
  /**
   * Saves several sessions in as few round trips as the store allows (one batched write), each
   * with its own outcome in the same order: a session that cannot be stored fails alone and the
   * others are saved. Idempotent like save.
   */
  saveMany(sessions: StoredSession[]): Promise<SaveOutcome[]>;
  get(uid: string, sessionId: string): Promise<WorkoutSessionRecord | undefined>;
  /** Newest first by timestamp. */
  list(uid: string, range?: TimeRange, limit?: number): Promise<WorkoutSessionRecord[]>;
  /** averageAccuracy is 0 when there are no sessions. */
  stats(uid: string, range?: TimeRange): Promise<SessionStats>;
  /** True when something was deleted. */
  delete(uid: string, sessionId: string): Promise<boolean>;
  /** Newest first by (timestamp, sessionId), a page at a time: every list can be read to its end. */
  page(uid: string, options: PageOptions): Promise<SessionPage>;
  /** Writes the session as given, creating or replacing it (reconcile's repair); createdAt is kept. */
  put(session: StoredSession): Promise<void>;
}

/** What saveMany says of one session: what save would have resolved with, or why it failed. */
export type SaveOutcome = PromiseSettledResult<'created' | 'exists'>;

/**
 * Each session saved on its own: what saveMany falls back to when its batched write fails, so the
 * session that broke the batch (a repeat, a value the store refuses) is the only one that fails.
 */
export function saveEachAlone(save: (session: StoredSession) => Promise<'created' | 'exists'>, sessions: StoredSession[]): Promise<SaveOutcome[]> {
  return Promise.allSettled(sessions.map((session) => save(session)));
}

/** A cursor that is not one this API handed out. */
export class CursorError extends Error {
  override name = 'CursorError';
}

/** The position after `record` in (timestamp, sessionId) order, as an opaque string. */
export function encodeCursor(record: { timestamp: string; sessionId: string }): string {
  return Buffer.from(JSON.stringify([record.timestamp, record.sessionId])).toString('base64url');
}

export function decodeCursor(cursor: string): { timestamp: string; sessionId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { timestamp: value[0], sessionId: value[1] };
    }
  } catch {
    // fall through
  }
  throw new CursorError('cursor: not a cursor this API handed out (use nextCursor from the previous page)');
}

/** The page to return from `limit + 1` rows read: the extra row only says there is more. */
export function pageOf(rows: WorkoutSessionRecord[], limit: number): SessionPage {
  const sessions = rows.slice(0, limit);
  const last = sessions.at(-1);
  return rows.length > limit && last ? { sessions, nextCursor: encodeCursor(last) } : { sessions };
}

/** Accuracy as both stores report it: MySQL keeps a FLOAT (about 7 significant digits). */
export function roundAccuracy(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Refuses a limit that is not a positive whole number, with the value in the message. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`list limit must be a positive whole number, got ${limit}`);
  return limit;
}
