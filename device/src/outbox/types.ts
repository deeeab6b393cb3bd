/**
 * The durable outbox: every finished session is written here before anything else and leaves only
 * when the gateway's `sessions/ack` allows it (DESIGN.md, "MQTT topics"). One interface; the
 * SQLite store implements it and `device/test/outbox-store.test.ts` is the suite it must pass.
 * Methods are synchronous: each returns after its write is durable (SQLite, synchronous=FULL).
 */
import type { AckStatus, HistoryEntry, SessionAck, SessionPayload, SessionStats } from '@pose-coach/protocol';

/** `pending`: to be sent; `unpaired`: the gateway has no user for this mirror yet, wait for pairing. */
export type OutboxState = 'pending' | 'unpaired';

export interface OutboxEntry {
  sessionId: string;
  payload: SessionPayload;
  state: OutboxState;
  attempts: number;
  /** ms since epoch. */
  createdAt: number;
  lastAttemptAt?: number;
}

export interface QuarantineEntry {
  sessionId: string;
  /** As it was sent (or refused at the door: then possibly not a valid SessionPayload). */
  payload: SessionPayload;
  reason: string;
  quarantinedAt: number;
}

/** Where a finished session stands and the history entry the mirror UI shows: agent `/api/history` (protocol history.ts). */
export type { HistoryEntry, SyncState } from '@pose-coach/protocol';

export interface OutboxDepth {
  /** Waiting for the gateway (includes `unpaired`). */
  pending: number;
  unpaired: number;
  quarantined: number;
  /** Sessions dropped by the disk policy since the store was created (should stay 0). */
  dropped: number;
}

/** What an ack did to the outbox. `unknown`: no such session here (a duplicate ack). */
export type AckOutcome = 'released' | 'quarantined' | 'unpaired' | 'unknown';

export interface DueOptions {
  now: number;
  /** A pending session sent less than this long ago is still waiting for its ack. */
  resendAfterMs: number;
  /** An unpaired session is retried after this long even without a pairing message. */
  unpairedRetryMs: number;
  /** Sessions already in flight, left out. */
  exclude?: ReadonlySet<string>;
}

export interface PruneReport {
  history: number;
  quarantine: number;
  pending: number;
}

export interface OutboxStore {
  /** Stores a finished session (validated first). Idempotent by sessionId. */
  put(session: SessionPayload, now?: number): void;
  /** Keeps a session that cannot be sent (it fails validation here) in the quarantine, with why. */
  quarantineLocally(session: unknown, reason: string, now?: number): void;
  /** The oldest sessions due for (re)sending, oldest first. */
  due(limit: number, opts: DueOptions): OutboxEntry[];
  /** Records a send of these sessions (one transaction). */
  markAttempt(sessionIds: readonly string[], now?: number): void;
  applyAck(ack: SessionAck, now?: number): AckOutcome;
  /** Several acks in one transaction (one disk sync: what keeps a drain fast on an SD card). */
  applyAcks(acks: readonly SessionAck[], now?: number): AckOutcome[];
  /** The mirror got paired: unpaired sessions become pending again. Returns how many. */
  releaseUnpaired(): number;
  depth(): OutboxDepth;
  get(sessionId: string): OutboxEntry | undefined;
  quarantine(limit?: number): QuarantineEntry[];
  /** Finished sessions whose workout started at or after `sinceIso`, newest first. */
  history(sinceIso: string, limit?: number): HistoryEntry[];
  stats(sinceIso: string): SessionStats;
  /** Applies the disk policy (see README.md here). */
  prune(now?: number): PruneReport;
  close(): void;
}

export type { AckStatus };
