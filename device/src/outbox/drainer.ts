/**
 * Moves sessions from the outbox to the gateway: publish (QoS 1), then wait for `sessions/ack`.
 * A session leaves the outbox only through `applyAck`; a PUBACK only says the broker has it, not
 * that the gateway queued it. Anything unacknowledged after `ackTimeoutMs`, or in flight when the
 * link drops, is sent again — the gateway is idempotent by sessionId (DESIGN.md, "Names").
 */
import type { Logger } from 'pino';
import type { SessionAck, SessionPayload } from '@pose-coach/protocol';
import type { AckOutcome, OutboxDepth, OutboxStore } from './types.ts';

export interface DrainerOptions {
  store: OutboxStore;
  /** Publishes one session; resolves when the broker has it (PUBACK). */
  send(payload: SessionPayload): Promise<void>;
  /** Sessions in flight at once. */
  windowSize: number;
  ackTimeoutMs: number;
  unpairedRetryMs: number;
  log: Logger;
  /** Called after every change of the outbox's depth. */
  onChange?(depth: OutboxDepth): void;
  /** Called for each ack once it is applied (on disk). */
  onAckApplied?(ack: SessionAck, outcome: AckOutcome): void;
  now?(): number;
}

export interface Drainer {
  setOnline(online: boolean): void;
  /** A session was put, or something else may have become due. */
  kick(): void;
  /** Queues an ack; acks arriving together are applied in one transaction on the next tick. */
  onAck(ack: SessionAck): void;
  onPairing(paired: boolean): void;
  inFlight(): number;
  stop(): void;
}

export function createDrainer(opts: DrainerOptions): Drainer {
  const { store, log } = opts;
  const now = opts.now ?? Date.now;
  const inflight = new Map<string, number>();
  let online = false;
  let stopped = false;
  let scheduled = false;
  // Set when the gateway answered `unpaired`: sending more is pointless until pairing (or a retry).
  let unpairedAt: number | undefined;

  const changed = () => opts.onChange?.(store.depth());

  function drain(): void {
    scheduled = false;
    if (!online || stopped) return;
    if (unpairedAt !== undefined && now() - unpairedAt < opts.unpairedRetryMs) return;
    unpairedAt = undefined;
    const room = opts.windowSize - inflight.size;
    if (room <= 0) return;
    const due = store.due(room, {
      now: now(),
      resendAfterMs: opts.ackTimeoutMs,
      unpairedRetryMs: opts.unpairedRetryMs,
      exclude: new Set(inflight.keys()),
    });
    if (due.length === 0) return;
    const at = now();
    store.markAttempt(
      due.map((e) => e.sessionId),
      at,
    );
    for (const entry of due) {
      inflight.set(entry.sessionId, at);
      if (entry.attempts > 0) log.debug({ sessionId: entry.sessionId, attempts: entry.attempts }, 'resending session');
      opts.send(entry.payload).catch((err: Error) => {
        // Not sent (link dropped): it stays in the outbox and goes again when due.
        inflight.delete(entry.sessionId);
        log.warn({ sessionId: entry.sessionId, err: err.message }, 'session publish failed; it stays in the outbox');
      });
    }
  }

  // Acks that came in during this tick, applied together: one disk sync instead of one each.
  const acks: SessionAck[] = [];
  function applyAcks(): void {
    const batch = acks.splice(0);
    if (!batch.length || stopped) return;
    const outcomes = store.applyAcks(batch, now());
    let changedDepth = false;
    batch.forEach((ack, i) => {
      const outcome = outcomes[i]!;
      inflight.delete(ack.sessionId);
      if (outcome === 'quarantined') log.warn({ sessionId: ack.sessionId, reason: ack.error }, 'gateway rejected the session; quarantined');
      else if (outcome === 'unpaired') {
        unpairedAt = now();
        log.info({ sessionId: ack.sessionId }, 'mirror not paired yet; sessions wait in the outbox');
      } else if (outcome === 'released') unpairedAt = undefined;
      if (outcome !== 'unknown') changedDepth = true;
      opts.onAckApplied?.(ack, outcome);
    });
    if (changedDepth) changed();
    kick();
  }

  function kick(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(drain);
  }

  // Expire acks that never came and pick up unpaired retries.
  const timer = setInterval(
    () => {
      const cutoff = now() - opts.ackTimeoutMs;
      for (const [id, sentAt] of inflight) if (sentAt <= cutoff) inflight.delete(id);
      kick();
    },
    Math.max(50, Math.min(opts.ackTimeoutMs / 2, 5000)),
  );
  timer.unref();

  return {
    setOnline(value) {
      online = value;
      if (!value) inflight.clear();
      else kick();
    },
    kick,
    onAck(ack) {
      acks.push(ack);
      if (acks.length === 1) setImmediate(applyAcks);
    },
    onPairing(paired) {
      if (!paired) return;
      unpairedAt = undefined;
      const n = store.releaseUnpaired();
      if (n > 0) {
        log.info({ sessions: n }, 'mirror paired; sending the sessions that waited');
        changed();
      }
      kick();
    },
    inFlight: () => inflight.size,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
