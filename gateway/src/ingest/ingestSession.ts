/**
 * Where a published session becomes queued work: validate → find whose it is → claim its id →
 * queue for both stores → answer. Shared by the MQTT handler (device sessions) and the HTTP API
 * (phone posts).
 */
import {
  normaliseStoredNumbers,
  parseStorableJson,
  pathSegmentIssue,
  sessionPayloadSchema,
  type SessionAck,
  type StoredSession,
} from '@pose-coach/protocol';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { StoreQueues } from '../queue/storeQueues.ts';
import type { SessionClaims } from '../queue/sessionClaims.ts';

export interface IngestDeps {
  registry: DeviceRegistry;
  queues: StoreQueues;
  claims: SessionClaims;
  metrics: Metrics;
  log: Logger;
  /** Told when a mirror's session was queued again: a repeat of a stored session gets its `stored` ack at once. */
  onQueued?(deviceId: string, sessionId: string): void;
  /** Whether sessions of the simulated athlete may be stored: only on the embedded/emulated stores (storesAreForDevelopment). */
  acceptSimulated: boolean;
}

/**
 * The rule for simulated sessions (DESIGN.md: they never reach a production Firestore or MySQL):
 * a gateway whose Firestore is an emulator (FIRESTORE_EMULATOR_HOST, or the in-process one used
 * when no Google credentials are set) runs development stores and keeps them; a gateway writing
 * a real Firestore (GOOGLE_APPLICATION_CREDENTIALS without an emulator) is production and refuses
 * them for both stores, since both always receive the same sessions.
 */
export function storesAreForDevelopment(config: { FIRESTORE_EMULATOR_HOST?: string | undefined; GOOGLE_APPLICATION_CREDENTIALS?: string | undefined }): boolean {
  return Boolean(config.FIRESTORE_EMULATOR_HOST) || !config.GOOGLE_APPLICATION_CREDENTIALS;
}

/** What became of a session handed to enqueue. */
export type EnqueueOutcome =
  /** firstSeen: the id was new, so no store can hold the session yet. */
  | { kind: 'queued'; firstSeen?: boolean }
  /** The sessionId is already stored for another person or mirror: nothing was queued. */
  | { kind: 'conflict'; error: string }
  /** The owner deleted this session: it is not stored again. */
  | { kind: 'deleted'; deletedAt: string; error: string }
  /** The owner's uid cannot be a Firestore path segment. */
  | { kind: 'invalid'; error: string };

/** The session id of a payload that failed validation, so the device can still match the ack. */
function sessionIdOf(raw: Buffer): string {
  try {
    const id = (JSON.parse(raw.toString('utf8')) as { sessionId?: unknown }).sessionId;
    return typeof id === 'string' ? id.slice(0, 100) : '';
  } catch {
    return '';
  }
}

export function createSessionIngest(deps: IngestDeps) {
  /** Claims the id for its owner and queues the session for both stores; throws when Redis is unreachable. */
  async function enqueue(session: StoredSession, source: 'mqtt' | 'api'): Promise<EnqueueOutcome> {
    const uidIssue = pathSegmentIssue(session.userId);
    if (uidIssue) {
      deps.metrics.sessionsRejected.inc({ reason: 'malformed' });
      return { kind: 'invalid', error: `userId: ${uidIssue}` };
    }
    const claim = await deps.claims.claim(session.sessionId, session.userId, session.deviceId);
    if (claim.kind === 'conflict') {
      deps.metrics.sessionsRejected.inc({ reason: 'conflict' });
      deps.log.warn({ sessionId: session.sessionId, deviceId: session.deviceId }, 'session rejected: id already used by another person or mirror');
      return { kind: 'conflict', error: 'sessionId: already used by another person or mirror; make a new session id' };
    }
    if (claim.kind === 'deleted') {
      deps.metrics.sessionsRejected.inc({ reason: 'deleted' });
      return { kind: 'deleted', deletedAt: claim.deletedAt, error: `sessionId: this session was deleted by its owner${claim.deletedAt ? ` at ${claim.deletedAt}` : ''}; it is not stored again` };
    }
    await deps.queues.enqueue({ session: normaliseStoredNumbers(session), source, receivedAt: new Date().toISOString() });
    deps.metrics.sessionsQueued.inc({ source });
    return claim.firstSeen ? { kind: 'queued', firstSeen: true } : { kind: 'queued' };
  }

  return {
    enqueue,

    /**
     * A session published by a mirror. Resolves with the ack to send; throws only when the session
     * could not be queued (Redis down), in which case no ack is sent and the mirror keeps it.
     */
    async fromDevice(deviceId: string, raw: Buffer): Promise<SessionAck> {
      deps.metrics.sessionsReceived.inc({ source: 'mqtt' });
      const parsed = parseStorableJson(sessionPayloadSchema, raw);
      if (!parsed.ok) {
        deps.metrics.sessionsRejected.inc({ reason: 'malformed' });
        deps.log.warn({ deviceId, error: parsed.error }, 'session rejected');
        return { sessionId: sessionIdOf(raw), status: 'rejected', error: parsed.error };
      }
      const session = parsed.value;
      if (session.simulated && !deps.acceptSimulated) {
        deps.metrics.sessionsRejected.inc({ reason: 'simulated' });
        deps.log.warn({ deviceId, sessionId: session.sessionId }, 'session rejected: simulated, and this gateway writes production stores');
        return { sessionId: session.sessionId, status: 'rejected', error: 'simulated: a session of the simulated athlete is not stored by a gateway writing a production Firestore/MySQL (only on the embedded or emulated stores)' };
      }
      // The gateway, not the device, decides whose session this is (DESIGN.md "Names and identities"):
      // the person of the pairing it was recorded under (even one ended since), else the current one.
      const current = await deps.registry.bindingOf(deviceId);
      let binding = current;
      if (session.pairingId && session.pairingId !== current?.pairingId) {
        binding = await deps.registry.pairingOf(deviceId, session.pairingId);
        if (!binding) {
          deps.metrics.sessionsRejected.inc({ reason: 'malformed' });
          deps.log.warn({ deviceId, pairingId: session.pairingId }, 'session rejected: pairing of another mirror or unknown');
          return { sessionId: session.sessionId, status: 'rejected', error: 'pairingId: not a pairing of this mirror' };
        }
      }
      if (!binding) {
        deps.metrics.sessionsRejected.inc({ reason: 'unpaired' });
        return { sessionId: session.sessionId, status: 'unpaired', error: 'this mirror is not paired with anyone yet' };
      }
      const outcome = await enqueue({ ...session, userId: binding.uid, deviceId, pairingId: binding.pairingId }, 'mqtt');
      if (outcome.kind !== 'queued') return { sessionId: session.sessionId, status: 'rejected', error: outcome.error };
      // Owed until sent: a gateway restart between the stores' writes and the ack loses nothing.
      await deps.claims.oweAck(deviceId, session.sessionId, binding.uid);
      // A repeat may be stored already: its `stored` ack goes out now. A first send cannot be.
      if (!outcome.firstSeen) deps.onQueued?.(deviceId, session.sessionId);
      return { sessionId: session.sessionId, status: 'queued' };
    },
  };
}

export type SessionIngest = ReturnType<typeof createSessionIngest>;
