/**
 * The store writers: one BullMQ worker per store, each I/O-bound (a Firestore or MySQL write), so
 * no CPU work can stall a job's lock. When the last of a session's stores is written, the
 * motivational feedback is built and a "stored" event goes out.
 */
import { Worker, type Job } from 'bullmq';
import type { SessionRepository } from '@pose-coach/cloud-sync';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { STORES, queueName, redisConnection, type StoreJobData, type StoreName } from './storeQueues.ts';
import type { SessionEvents } from './sessionEvents.ts';
import type { StoredMarker } from './storedMarker.ts';

export interface StoreWorkerDeps {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  repositories: Record<StoreName, SessionRepository>;
  feedbackFor(job: StoreJobData): Promise<string>;
  events: SessionEvents;
  marker: StoredMarker;
  metrics: Metrics;
  log: Logger;
}

export function createStoreWorkers(deps: StoreWorkerDeps) {
  async function markStored(job: Job<StoreJobData>, store: StoreName): Promise<void> {
    const { session } = job.data;
    if (!(await deps.marker.mark(session.sessionId, store))) return;
    const motivationalFeedback = await deps.feedbackFor(job.data);
    await deps.events.publish({
      sessionId: session.sessionId,
      uid: session.userId,
      deviceId: session.deviceId,
      motivationalFeedback,
    });
  }

  const workers = STORES.map((store) => {
    const worker = new Worker<StoreJobData, string>(
      queueName(store),
      async (job) => {
        const result = await deps.repositories[store].save(job.data.session);
        await markStored(job, store);
        return result;
      },
      { connection: redisConnection(deps.redisUrl), prefix: deps.prefix, concurrency: deps.concurrency },
    );
    worker.on('completed', () => deps.metrics.sessionsStored.inc({ store }));
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      (final ? deps.metrics.deadLettered : deps.metrics.storeRetries).inc({ store });
      deps.log[final ? 'error' : 'warn'](
        { store, sessionId: job.id, attempt: job.attemptsMade, err: err.message },
        final ? 'store write dead-lettered' : 'store write failed; will retry',
      );
    });
    worker.on('error', (err) => deps.log.error({ store, err: err.message }, 'worker error'));
    return worker;
  });

  return {
    workers,
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
