/**
 * The storage interface the gateway's workers and HTTP API share. Firestore and MySQL each
 * implement it, and both pass the one conformance suite in test/sessionRepositoryConformance.ts.
 */
import type { StoredSession, SessionStats } from '@pose-coach/protocol';

/**
 * A stored session as read back. Both stores keep the original app's fields plus sessionId,
 * userId and deviceId; Firestore also keeps the other additions (repDetails, model, ...), the
 * MySQL table does not have columns for them.
 */
export interface WorkoutSessionRecord extends StoredSession {
  /** When the store first wrote the session (ISO, UTC); never rewritten. */
  createdAt: string;
}

/** Sessions whose `timestamp` is in [fromIso, toIso). */
export interface TimeRange {
  fromIso: string;
  toIso: string;
}

export interface SessionRepository {
  readonly name: 'firestore' | 'mysql';
  /** Idempotent by sessionId: saving a session that is already stored writes nothing. */
  save(session: StoredSession): Promise<'created' | 'exists'>;
  get(uid: string, sessionId: string): Promise<WorkoutSessionRecord | undefined>;
  /** Newest first by timestamp. */
  list(uid: string, range?: TimeRange, limit?: number): Promise<WorkoutSessionRecord[]>;
  /** averageAccuracy is 0 when there are no sessions. */
  stats(uid: string, range?: TimeRange): Promise<SessionStats>;
  /** True when something was deleted. */
  delete(uid: string, sessionId: string): Promise<boolean>;
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
