/** Starts the store workers with what they need from Redis; shared by the gateway and workerMain. */
import type { GatewayConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Scope } from '../scope.ts';
import type { Stores } from '../stores.ts';
import type { SessionEvents } from './sessionEvents.ts';
import type { StoredMarker } from './storedMarker.ts';
import { createStoreWorkers } from './storeWorkers.ts';

export function startStoreWorkers(
  config: GatewayConfig,
  deps: { stores: Stores; events: SessionEvents; marker: StoredMarker; metrics: Metrics; log: Logger; scope: Scope },
) {
  const workers = createStoreWorkers({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    repositories: deps.stores.repositories,
    feedbackFor: (job) => deps.stores.feedback.forSession(job.session),
    events: deps.events,
    marker: deps.marker,
    metrics: deps.metrics,
    log: deps.log,
  });
  deps.scope.add(() => workers.close());
  return workers;
}
