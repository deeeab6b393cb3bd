/**
 * Where a published session becomes queued work: validate → find whose it is → queue for both
 * stores → answer. Shared by the MQTT handler (device sessions) and the HTTP API (phone posts).
 */
import { parseJson, sessionPayloadSchema, type SessionAck, type StoredSession } from '@pose-coach/protocol';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { StoreQueues } from '../queue/storeQueues.ts';

export interface IngestDeps {
  registry: DeviceRegistry;
  queues: StoreQueues;
  metrics: Metrics;
  log: Logger;
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
  async function enqueue(session: StoredSession, source: 'mqtt' | 'api'): Promise<void> {
    await deps.queues.enqueue({ session, source, receivedAt: new Date().toISOString() });
    deps.metrics.sessionsQueued.inc({ source });
  }

  return {
    enqueue,

    /**
     * A session published by a mirror. Resolves with the ack to send; throws only when the session
     * could not be queued (Redis down), in which case no ack is sent and the mirror keeps it.
     */
    async fromDevice(deviceId: string, raw: Buffer): Promise<SessionAck> {
      deps.metrics.sessionsReceived.inc({ source: 'mqtt' });
      const parsed = parseJson(sessionPayloadSchema, raw);
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
      await enqueue({ ...session, userId: binding.uid, deviceId, pairingId: binding.pairingId }, 'mqtt');
      return { sessionId: session.sessionId, status: 'queued' };
    },
  };
}

export type SessionIngest = ReturnType<typeof createSessionIngest>;
