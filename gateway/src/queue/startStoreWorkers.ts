/** Starts the store workers with what they need from Redis; shared by the gateway and workerMain. */
import type { GatewayConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Scope } from '../scope.ts';
import type { Stores } from '../stores.ts';
import type { SessionEvents } from './sessionEvents.ts';
import type { StoredMarker } from './storedMarker.ts';
import { createStoreWorkers } from './storeWorkers.ts';
import type { SessionClaims } from './sessionClaims.ts';
import { RECLAIM_EVERY_MS, createJobReclaimer } from './workerLiveness.ts';
import { STORES, createStoreQueues } from './storeQueues.ts';

export async function startStoreWorkers(
  config: GatewayConfig,
  deps: { stores: Stores; events: SessionEvents; marker: StoredMarker; claims: SessionClaims; metrics: Metrics; log: Logger; scope: Scope },
) {
  // Before taking new work, and every few seconds after: jobs a killed process held go back to
  // waiting at once instead of after their lock expires.
  // Its own queues (a worker process has no ingest): for the reclaimer, and for sessions split off a batch.
  const storeQueues = createStoreQueues({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    attempts: config.STORE_ATTEMPTS,
    backoffMs: config.STORE_BACKOFF_MS,
    batchMax: config.BATCH_MAX,
  });
  const queues = STORES.map((s) => storeQueues.queues[s]);
  const reclaimer = createJobReclaimer(config.REDIS_URL, config.QUEUE_PREFIX, deps.log);
  const reclaim = () =>
    reclaimer.reclaim(queues).catch((err: Error) => {
      deps.log.warn({ err: err.message }, 'could not look for jobs of a stopped gateway; BullMQ recovers them when their locks expire');
      return 0;
    });
  await reclaim();
  let reclaiming = false;
  const timer = setInterval(() => {
    if (reclaiming) return;
    reclaiming = true;
    void reclaim().finally(() => (reclaiming = false));
  }, RECLAIM_EVERY_MS);
  timer.unref();
  deps.scope.add(async () => {
    clearInterval(timer);
    reclaimer.close();
    await storeQueues.close();
  });
  const workers = await createStoreWorkers({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    batchMax: config.BATCH_MAX,
    backoffMs: config.STORE_BACKOFF_MS,
    backoffMaxMs: config.STORE_BACKOFF_MAX_MS,
    claims: deps.claims,
    repositories: deps.stores.repositories,
    feedbackFor: (items) => deps.stores.feedback.forSessions(items.map((item) => item.session)),
    requeueAlone: (store, items) => storeQueues.requeueAlone(store, items),
    events: deps.events,
    marker: deps.marker,
    metrics: deps.metrics,
    log: deps.log,
  });
  deps.scope.add(() => workers.close());
  return workers;
}
