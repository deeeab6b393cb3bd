/**
 * Wires QR pairing into a running gateway: codes and attempt counters in Redis (under the
 * gateway's key prefix), the pairing service, Firestore + retained-message upkeep on every change
 * (including those the admin CLI announces over Redis), and the state re-sent on each connect.
 */
import { createHash } from 'node:crypto';
import { connectRedis } from '../redis.ts';
import type { ClusterBus } from '../cluster/clusterBus.ts';
import type { Aedes, Client } from 'aedes';
import type { GatewayConfig } from '../config.ts';
import type { DeviceRegistry } from '../devices/deviceRegistry.ts';
import type { Logger } from '../log.ts';
import type { Scope } from '../scope.ts';
import { createAttemptLimits } from './attemptLimits.ts';
import { createPairingCodes } from './pairingCodes.ts';
import { subscribePairingChanges } from './pairingNotices.ts';
import { createPairingService, type PairingChange } from './pairingService.ts';
import { createPairingState, type RetainedPublish } from './pairingState.ts';
import { createPhonePage, phonePageSettings } from './phonePage.ts';

type Firestore = Parameters<typeof createPairingState>[0]['firestore'];

export async function startPairing(
  config: GatewayConfig,
  deps: { registry: DeviceRegistry; firestore: Firestore; broker: { aedes: Aedes; publish: RetainedPublish }; log: Logger; scope: Scope; bus?: ClusterBus; localAuth?: boolean; clock?: () => number },
) {
  const log = deps.log.child({ part: 'pairing' });
  const redis = connectRedis(config.REDIS_URL, { maxRetriesPerRequest: 2 }, log);
  deps.scope.add(async () => redis.disconnect());
  const prefix = `${config.QUEUE_PREFIX}:pairing:`;

  const state = createPairingState({ registry: deps.registry, firestore: deps.firestore, publish: deps.broker.publish, log });
  // The pairing itself is in MySQL once announced; a failed Firestore or MQTT update is logged,
  // and the mirror gets its state again on its next connect.
  const announce = (change: PairingChange) =>
    state.reflect(change).catch((err: Error) => log.warn({ deviceId: change.deviceId, err: err.message }, 'pairing change not reflected'));

  const service = createPairingService({
    registry: deps.registry,
    codes: createPairingCodes(redis, { prefix, ttlS: config.PAIRING_CODE_TTL_S, intervalS: config.PAIRING_POLL_INTERVAL_S, maxAttemptsPerCode: config.PAIRING_CODE_ATTEMPTS, ...(deps.clock ? { now: deps.clock } : {}) }),
    limits: createAttemptLimits(redis, { prefix, maxFailures: config.PAIRING_MAX_FAILURES, windowS: config.PAIRING_FAILURE_WINDOW_S }),
    announce,
    log,
    ttlS: config.PAIRING_CODE_TTL_S,
    intervalS: config.PAIRING_POLL_INTERVAL_S,
  });

  deps.scope.add(
    await subscribePairingChanges(config.REDIS_URL, config.QUEUE_PREFIX, log, async (change) => {
      deps.registry.forget(change.deviceId);
      // In a cluster every gateway hears the change; one reflects it (reflecting reads the current state, so merging repeats is harmless).
      const key = `pairing-change:${createHash('sha256').update(JSON.stringify(change)).digest('hex')}`;
      if (deps.bus && !(await deps.bus.once(key, 5).catch((err: Error) => (log.warn({ err: err.message, deviceId: change.deviceId }, 'cluster dedup unavailable: this gateway announces the pairing change'), true)))) return;
      await announce(change);
    }),
  );

  deps.broker.aedes.on('clientReady', (client: Client) => {
    const deviceId = (client as Client & { deviceId?: string }).deviceId;
    if (deviceId) state.publishState(deviceId).catch((err: Error) => log.warn({ deviceId, err: err.message }, 'pairing state not re-sent'));
  });

  return { service, state, page: createPhonePage(phonePageSettings(config, { localAuth: deps.localAuth ?? false })), publicUrl: config.PAIRING_PUBLIC_URL };
}

export type Pairing = Awaited<ReturnType<typeof startPairing>>;
