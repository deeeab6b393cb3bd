/**
 * Wires the gateway: stores → queues → workers → broker → API. An async factory (constructors
 * never connect); `close()` undoes it in reverse order.
 */
import { createServer as createHttpsServer } from 'node:https';
import { GENERIC_MESSAGE } from '@pose-coach/cloud-sync';
import { topicFor } from '@pose-coach/protocol';
import type { GatewayConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createScope } from './scope.ts';
import { openStores } from './stores.ts';
import { createDeviceRegistry } from './devices/deviceRegistry.ts';
import { createStoreQueues } from './queue/storeQueues.ts';
import { createSessionEvents } from './queue/sessionEvents.ts';
import { createStoredMarker } from './queue/storedMarker.ts';
import { createSessionClaims } from './queue/sessionClaims.ts';
import { createOwedAcks } from './queue/owedAcks.ts';
import { startScheduledReconcile } from './reconcile/scheduledReconcile.ts';
import { writeStoresFile } from './reconcile/storesFile.ts';
import { createStoreHealth } from './health/storeHealth.ts';
import { createSessionReads } from './api/sessionReads.ts';
import { connectRedis } from './redis.ts';
import { startStoreWorkers } from './queue/startStoreWorkers.ts';
import { createSessionIngest, storesAreForDevelopment } from './ingest/ingestSession.ts';
import { createMqttBroker } from './broker/createBroker.ts';
import { createConnectRate } from './guards/connectRate.ts';
import { createMqttCluster } from './cluster/mqttCluster.ts';
import { createClusterBus } from './cluster/clusterBus.ts';
import { buildApi } from './api/buildApi.ts';
import { createFirebaseTokenVerifier } from './api/firebaseAuth.ts';
import { loadOrCreateTlsCertificate } from './tlsCertificate.ts';
import { startPairing } from './pairing/startPairing.ts';
import { startFleet } from './fleet/startFleet.ts';
import { unpairMirror } from './pairing/pairingService.ts';
import { PairingError } from './pairing/pairingErrors.ts';
import { GOOGLE_JWKS_URL } from './config.ts';
import { createLocalAuth, resolveAuthMode } from './localAuth/index.ts';
import { phonePageSettings } from './pairing/phonePage.ts';
import { phoneAppDir } from './phoneApp/phoneAppDir.ts';

export async function createGateway(
  config: GatewayConfig,
  opts: {
    log?: Logger;
    /** The clock of pairing codes and the per-address connect budget (ms since the epoch; default Date.now). */
    clock?: () => number;
  } = {},
) {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const scope = createScope(log);
  const close = () => scope.close();

  try {
    const stores = await openStores(config, log, scope, { inProcessEmulator: true });
    const { pool, firestore, emulatorHost, repositories, feedback } = stores;
    const registry = createDeviceRegistry(pool, log, { lookupBatch: config.MQTT_CONNECT_LOOKUP_BATCH });
    const queues = createStoreQueues({
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      attempts: config.STORE_ATTEMPTS,
      backoffMs: config.STORE_BACKOFF_MS,
      batchMax: config.BATCH_MAX,
    });
    scope.add(() => queues.close());
    const metrics = createMetrics(() => queues.counts());
    const events = createSessionEvents(config.REDIS_URL, config.QUEUE_PREFIX, log);
    await events.start();
    scope.add(() => events.close());
    const marker = createStoredMarker(config.REDIS_URL, config.QUEUE_PREFIX, log);
    scope.add(() => marker.close());

    const claims = createSessionClaims(config.REDIS_URL, config.QUEUE_PREFIX, pool, log, { batchMax: config.BATCH_MAX });
    scope.add(() => claims.close());

    if (config.RUN_WORKERS) await startStoreWorkers(config, { stores, events, marker, claims, metrics, log, scope });
    await startScheduledReconcile(config, { stores, metrics, log, scope });

    // Bound below, once the broker exists: a repeat of a session both stores hold is answered `stored` at once.
    let repeatStored: (deviceId: string, sessionId: string) => void = () => {};
    const ingest = createSessionIngest({
      registry,
      queues,
      claims,
      metrics,
      log,
      onQueued: (d, s) => repeatStored(d, s),
      acceptSimulated: storesAreForDevelopment(config),
    });
    const tls = loadOrCreateTlsCertificate(config.GATEWAY_DATA_DIR, config.GATEWAY_TLS_CERT, config.GATEWAY_TLS_KEY);
    // Several gateways on one Redis (README "Several gateways"): one MQTT broker, one fleet.
    const cluster =
      config.MQTT_CLUSTER === 'redis'
        ? createMqttCluster({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, concurrency: config.MQTT_CONCURRENCY, heartbeatMs: config.MQTT_CLUSTER_HEARTBEAT_MS, log })
        : undefined;
    const bus = cluster ? createClusterBus(config.REDIS_URL, config.QUEUE_PREFIX, log) : undefined;
    if (bus) scope.add(() => bus.close());
    const fleet = await startFleet(config, { pool, registry, log, scope, metrics, bus });
    const broker = await createMqttBroker({
      host: config.GATEWAY_HOST,
      port: config.GATEWAY_MQTT_PORT,
      tlsPort: config.GATEWAY_MQTTS_PORT,
      tls,
      concurrency: config.MQTT_CONCURRENCY,
      maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
      acceptsPerTurn: config.MQTT_ACCEPTS_PER_TURN,
      registry,
      ingest,
      metrics,
      log,
      fleet: fleet.inbox,
      connectRate: createConnectRate({ ratePerS: config.MQTT_CONNECT_RATE_PER_ADDRESS, burst: config.MQTT_CONNECT_BURST_PER_ADDRESS, ...(opts.clock ? { now: opts.clock } : {}) }),
      cluster,
    });
    scope.add(() => broker.close());
    fleet.attach(broker);

    // Both stores written: tell the mirror, with its motivational feedback. What is owed is kept in
    // Redis until sent, and re-derived from the stores when the mirror subscribes again.
    const owedAcks = createOwedAcks({ broker, claims, marker, repositories, feedback, log });
    scope.add(async () => owedAcks.stop());
    repeatStored = (deviceId, sessionId) =>
      void marker
        .isComplete(sessionId)
        .then((done) => (done ? owedAcks.deliver(deviceId) : 0))
        .catch((err: Error) => log.warn({ err: err.message, deviceId, sessionId }, 'stored ack not repeated: the owed acks go out when the mirror subscribes again'));
    events.onStored(async (stored) => {
      const forMirrors = stored.filter((e) => e.deviceId);
      // Every gateway of a cluster hears the event; the ack goes out once (publishes reach the mirror on any gateway).
      const ours = bus
        ? await bus.onceMany(forMirrors.map((e) => `stored-ack:${e.sessionId}`), 60).catch((err: Error) => {
            log.warn({ err: err.message, sessions: forMirrors.length }, 'cluster dedup unavailable: this gateway sends the stored acks');
            return forMirrors.map(() => true);
          })
        : undefined;
      forMirrors.forEach((e, i) => {
        if (ours && !ours[i]) return;
        void owedAcks.send(e.deviceId!, { sessionId: e.sessionId, uid: e.uid }, e.motivationalFeedback);
      });
    });

    const healthRedis = connectRedis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 }, log);
    scope.add(async () => healthRedis.disconnect());
    const health = createStoreHealth({ firestore, pool, redis: healthRedis });
    const reads = createSessionReads(repositories, log);

    // Sign-in: the embedded local one unless a real Firebase project is configured (localAuth/).
    const auth = resolveAuthMode(config);
    const localAuth = auth.mode === 'local' ? await createLocalAuth({ dataDir: config.GATEWAY_DATA_DIR, projectId: config.FIREBASE_PROJECT_ID }) : undefined;
    log.info({ authMode: auth.mode, why: auth.why }, auth.mode === 'local' ? 'sign-in: embedded local sign-in (Firebase Auth emulator protocol)' : 'sign-in: Firebase Authentication');

    const pairing = await startPairing(config, { registry, firestore, broker, log, scope, bus, localAuth: Boolean(localAuth), ...(opts.clock ? { clock: opts.clock } : {}) });

    const api = buildApi({
      verifyIdToken:
        localAuth?.verifyIdToken ??
        createFirebaseTokenVerifier({
          projectId: config.FIREBASE_PROJECT_ID,
          jwksUrl: config.FIREBASE_JWKS_URL ?? GOOGLE_JWKS_URL,
          issuer: config.FIREBASE_TOKEN_ISSUER,
        }),
      ...(localAuth ? { localAuth } : {}),
      ingest,
      events,
      marker,
      claims,
      reads,
      health,
      repositories,
      pool,
      genericFeedback: () => GENERIC_MESSAGE,
      feedbackFor: async (uid, sessionId) => {
        const session = await repositories.mysql.get(uid, sessionId).catch((err: Error) => {
          log.warn({ err: err.message, sessionId }, 'session not read back from MySQL: generic feedback instead');
          return undefined;
        });
        return session ? feedback.forSession(session) : GENERIC_MESSAGE;
      },
      metrics,
      log,
      apiWaitMs: config.API_WAIT_MS,
      pairing: { service: pairing.service, registry, page: pairing.page, publicUrl: pairing.publicUrl, bindHost: config.GATEWAY_HOST },
      fleet: {
        fleet,
        adminToken: config.FLEET_ADMIN_TOKEN,
        registry,
        pool,
        releaseMaxBytes: config.FLEET_RELEASE_MAX_MB * 1024 * 1024,
        metrics,
        unpair: (deviceId) =>
          unpairMirror({ registry, announce: (c) => pairing.state.reflect(c), log }, deviceId, { kind: 'admin' }).then(
            () => undefined,
            (err: Error) => {
              if (!(err instanceof PairingError && err.code === 'NOT_PAIRED')) throw err;
            },
          ),
      },
      phoneApp: {
        dir: phoneAppDir(config),
        settings: phonePageSettings(config, { localAuth: Boolean(localAuth) }),
        firestore,
        unpair: (deviceId, uid) => pairing.service.unpair(deviceId, { kind: 'user', uid }).then(() => undefined),
      },
    });
    await api.listen({ port: config.GATEWAY_HTTP_PORT, host: config.GATEWAY_HOST });
    scope.add(() => api.close());
    const httpPort = (api.server.address() as { port: number }).port;
    // The same routes over TLS with the MQTTS certificate (mirrors pin its CA): claims hand out
    // secrets and releases travel, which plain HTTP would expose on the way.
    let httpsPort: number | undefined;
    if (config.GATEWAY_HTTPS_PORT !== undefined) {
      const https = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => api.server.emit('request', req, res));
      await new Promise<void>((resolve, reject) => {
        https.once('error', reject);
        https.listen(config.GATEWAY_HTTPS_PORT, config.GATEWAY_HOST, () => resolve());
      });
      scope.add(() => new Promise<void>((r) => {
        https.close(() => r());
        https.closeAllConnections();
      }));
      httpsPort = (https.address() as { port: number }).port;
    }
    log.info({ httpPort, httpsPort }, 'HTTP API listening');
    // Where `npx pose-coach reconcile` finds these stores with no set-up (an in-process emulator's port is random).
    writeStoresFile(config, emulatorHost, log);

    return {
      config,
      log,
      registry,
      repositories,
      queues,
      metrics,
      pool,
      firestore,
      broker,
      pairing,
      fleet,
      api,
      mqttPort: broker.port,
      mqttsPort: broker.tlsPort,
      httpPort,
      httpsPort,
      caCertPath: tls.certPath,
      caCert: tls.cert,
      emulatorHost,
      /** `local` (embedded sign-in, `localAuth` set) or `firebase`, and why. */
      auth,
      localAuth,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;
