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
import { createBatcher } from './batcher.ts';

/** Batches of one store being written at once: one is written while the next fills. */
const BATCHES_IN_FLIGHT = 2;

export interface StoreWorkerDeps {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  /** Most sessions one store write carries (BATCH_MAX); 1: each session written alone. */
  batchMax: number;
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
    if (await deps.marker.mark(session.sessionId, store)) await announceStored(job.data);
  }

  /**
   * The jobs of one store that are active together, written as one batch: which were deleted (one
   * Redis pipeline), the sessions (one batched store write), which stores now hold them (one
   * pipeline), then feedback and the `stored` event for those complete. Outcomes are per job.
   */
  async function writeBatch(store: StoreName, jobs: StoreJobData[]): Promise<PromiseSettledResult<string>[]> {
    const outcomes: PromiseSettledResult<string>[] = jobs.map(() => ({ status: 'fulfilled', value: 'deleted' }));
    // Deleted by its owner while queued: writing it now would bring it back.
    const deleted = await deps.claims.areDeleted(jobs.map((j) => j.session.sessionId));
    const live = jobs.map((_, i) => i).filter((i) => !deleted[i]);
    const saved = await deps.repositories[store].saveMany(live.map((i) => jobs[i]!.session));
    live.forEach((i, k) => (outcomes[i] = saved[k]!));
    const held = live.filter((i) => outcomes[i]!.status === 'fulfilled');
    const complete = await deps.marker.markMany(held.map((i) => jobs[i]!.session.sessionId), store);
    await Promise.all(
      held.map(async (i, k) => {
        if (!complete[k]) return;
        try {
          await announceStored(jobs[i]!);
        } catch (reason) {
          outcomes[i] = { status: 'rejected', reason };
        }
      }),
    );
    return outcomes;
  }

  async function announceStored(data: StoreJobData): Promise<void> {
    const { session } = data;
    const motivationalFeedback = await deps.feedbackFor(data);
    await deps.events.publish({ sessionId: session.sessionId, uid: session.userId, deviceId: session.deviceId, motivationalFeedback });
  }

  const workers = STORES.map((store) => {
    const batcher = deps.batchMax > 1 ? createBatcher((jobs: StoreJobData[]) => writeBatch(store, jobs), { maxBatch: deps.batchMax, maxInFlight: BATCHES_IN_FLIGHT }) : undefined;
    const worker = new Worker<StoreJobData, string>(
      queueName(store),
      async (job) => {
        const { session } = job.data;
        // Ingest checks these; a job queued by an older gateway may not have been checked.
        const idIssue = pathSegmentIssue(session.userId) ?? pathSegmentIssue(session.sessionId);
        if (idIssue) throw new UnrecoverableError(`ids cannot name a Firestore document: ${idIssue}`);
        if (batcher) return batcher.add(job.data);
        // The unbatched path (BATCH_MAX=1): every round trip made for this session alone.
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
