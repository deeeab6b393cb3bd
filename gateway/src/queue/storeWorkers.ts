/**
 * The store writers: one BullMQ worker per store, each I/O-bound (a Firestore or MySQL write), so
 * no CPU work can stall a job's lock. Retries back off exponentially up to a cap, for as long as a
 * store is down. When the last of a session's stores is written, the motivational feedback is
 * built and a "stored" event goes out.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { SessionRepository } from '@pose-coach/cloud-sync';
import { pathSegmentIssue } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { CAPPED_BACKOFF, STORES, cappedBackoff, queueName, redisConnection, type StoreJobData, type StoreName } from './storeQueues.ts';
import type { SessionEvents } from './sessionEvents.ts';
import type { StoredMarker } from './storedMarker.ts';
import type { SessionClaims } from './sessionClaims.ts';
import { startWorkerHeartbeat } from './workerLiveness.ts';

export interface StoreWorkerDeps {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  backoffMs: number;
  backoffMaxMs: number;
  repositories: Record<StoreName, SessionRepository>;
  feedbackFor(job: StoreJobData): Promise<string>;
  events: SessionEvents;
  marker: StoredMarker;
  claims: SessionClaims;
  metrics: Metrics;
  log: Logger;
}

export async function createStoreWorkers(deps: StoreWorkerDeps) {
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
        const { session } = job.data;
        // Ingest checks these; a job queued by an older gateway may not have been checked.
        const idIssue = pathSegmentIssue(session.userId) ?? pathSegmentIssue(session.sessionId);
        if (idIssue) throw new UnrecoverableError(`ids cannot name a Firestore document: ${idIssue}`);
        // Deleted by its owner while queued: writing it now would bring it back.
        if (await deps.claims.isDeleted(session.sessionId)) return 'deleted';
        const result = await deps.repositories[store].save(session);
        await markStored(job, store);
        return result;
      },
      {
        connection: redisConnection(deps.redisUrl),
        prefix: deps.prefix,
        concurrency: deps.concurrency,
        // Started once its "alive" key exists, so no other gateway takes its first jobs for orphans.
        autorun: false,
        settings: {
          backoffStrategy: (attemptsMade: number, type?: string) =>
            type === CAPPED_BACKOFF ? cappedBackoff(attemptsMade, deps.backoffMs, deps.backoffMaxMs) : deps.backoffMs,
        },
      },
    );
    worker.on('completed', () => deps.metrics.sessionsStored.inc({ store }));
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      (final ? deps.metrics.deadLettered : deps.metrics.storeRetries).inc({ store });
      // An outage fails every write every minute: log the first failures and then every 10th.
      if (final || job.attemptsMade <= 3 || job.attemptsMade % 10 === 0) {
        deps.log[final ? 'error' : 'warn'](
          { store, sessionId: job.id, attempt: job.attemptsMade, err: err.message },
          final ? 'store write dead-lettered' : 'store write failed; will retry',
        );
      }
    });
    worker.on('error', (err) => deps.log.error({ store, err: err.message }, 'worker error'));
    return worker;
  });
  const heartbeat = await startWorkerHeartbeat(deps.redisUrl, deps.prefix, workers.map((w) => w.id), deps.log);
  for (const w of workers) void w.run().catch((err: Error) => deps.log.error({ err: err.message }, 'worker stopped'));

  return {
    workers,
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.close()));
      await heartbeat.stop();
    },
  };
}
