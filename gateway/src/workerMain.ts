/**
 * `tsx gateway/src/workerMain.ts`: store workers alone, for a second process (or machine) beside
 * a gateway started with RUN_WORKERS=false. Same configuration as the gateway.
 */
import { ConfigError, loadGatewayConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createScope } from './scope.ts';
import { openStores } from './stores.ts';
import { createSessionEvents } from './queue/sessionEvents.ts';
import { createStoredMarker } from './queue/storedMarker.ts';
import { startStoreWorkers } from './queue/startStoreWorkers.ts';
import { createSessionClaims } from './queue/sessionClaims.ts';
import { handleEnvOnlyArgs } from './cli/envOnlyArgs.ts';

handleEnvOnlyArgs('gateway:workers', 'the store workers alone, beside a gateway started with RUN_WORKERS=false');

try {
  const config = loadGatewayConfig();
  const log = createLogger(config.LOG_LEVEL, 'gateway-workers');
  const scope = createScope(log);
  const stores = await openStores(config, log, scope, { inProcessEmulator: false });
  const events = createSessionEvents(config.REDIS_URL, config.QUEUE_PREFIX, log);
  await events.start();
  scope.add(() => events.close());
  const marker = createStoredMarker(config.REDIS_URL, config.QUEUE_PREFIX, log);
  scope.add(() => marker.close());
  const claims = createSessionClaims(config.REDIS_URL, config.QUEUE_PREFIX, stores.pool, log, { batchMax: config.BATCH_MAX });
  scope.add(() => claims.close());
  await startStoreWorkers(config, { stores, events, marker, claims, metrics: createMetrics(), log, scope });
  log.info({ concurrency: config.WORKER_CONCURRENCY }, 'store workers running');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void scope.close().then(() => process.exit(0)));
  }
} catch (err) {
  console.error(err instanceof ConfigError ? `workers: bad configuration: ${err.message}` : `workers: failed to start: ${(err as Error).message}`);
  process.exit(1);
}
