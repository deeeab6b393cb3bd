/**
 * The store writers: one BullMQ worker per store, each I/O-bound (a Firestore or MySQL write), so
 * no CPU work can stall a job's lock. A job carries the sessions queued together (storeQueues.ts);
 * the sessions of the jobs active at once are written together. Retries back off exponentially up
 * to a cap, for as long as a store is down. When the last of a session's stores is written, the
 * motivational feedback is built and a "stored" event goes out.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { SessionRepository } from '@pose-coach/cloud-sync';
import { pathSegmentIssue } from '@pose-coach/protocol';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { CAPPED_BACKOFF, STORES, cappedBackoff, queueName, redisConnection, sessionsOf, type StoreBatchData, type StoreJobData, type StoreName } from './storeQueues.ts';
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
  /** The motivational feedback of each session, in order (its history read once for them all). */
  feedbackFor(items: StoreJobData[]): Promise<string[]>;
  /** Queues sessions as jobs of their own (storeQueues' requeueAlone). */
  requeueAlone(store: StoreName, items: StoreJobData[]): Promise<void>;
  events: SessionEvents;
  marker: StoredMarker;
  claims: SessionClaims;
  metrics: Metrics;
  log: Logger;
}

export async function createStoreWorkers(deps: StoreWorkerDeps) {
  /**
   * Sessions of one store written as one batch: which were deleted (one Redis pipeline), the
   * sessions (one batched store write), which stores now hold them (one pipeline), then feedback
   * and one `stored` event message for those now in every store. Outcomes are per session.
   */
  async function writeBatch(store: StoreName, items: StoreJobData[]): Promise<PromiseSettledResult<string>[]> {
    const outcomes: PromiseSettledResult<string>[] = items.map(() => ({ status: 'fulfilled', value: 'deleted' }));
    // Deleted by its owner while queued: writing it now would bring it back.
    const deleted = await deps.claims.areDeleted(items.map((j) => j.session.sessionId));
    const live = items.map((_, i) => i).filter((i) => !deleted[i]);
    const saved = await deps.repositories[store].saveMany(live.map((i) => items[i]!.session));
    live.forEach((i, k) => (outcomes[i] = saved[k]!));
    const held = live.filter((i) => outcomes[i]!.status === 'fulfilled');
    const complete = await deps.marker.markMany(held.map((i) => items[i]!.session.sessionId), store);
    const done = held.filter((_, k) => complete[k]);
    try {
      await announceStored(done.map((i) => items[i]!));
    } catch (reason) {
      for (const i of done) outcomes[i] = { status: 'rejected', reason };
    }
    return outcomes;
  }

  async function announceStored(items: StoreJobData[]): Promise<void> {
    if (items.length === 0) return;
    const texts = await deps.feedbackFor(items);
    await deps.events.publishMany(
      items.map(({ session }, i) => ({ sessionId: session.sessionId, uid: session.userId, deviceId: session.deviceId, motivationalFeedback: texts[i]! })),
    );
  }

  /**
   * A job's outcome from its sessions' outcomes. A lone session's failure fails the job (retried,
   * then dead-lettered). In a batch, every session failing is most likely the store being down: the job
   * is retried whole. Otherwise the failed sessions leave the batch as jobs of their own, so one
   * session a store refuses neither holds back nor repeats the others.
   */
  async function settle(store: StoreName, items: StoreJobData[], outcomes: PromiseSettledResult<string>[]): Promise<string> {
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ i, reason: o.reason as unknown }] : []));
    if (failed.length < items.length) deps.metrics.sessionsStored.inc({ store }, items.length - failed.length);
    if (failed.length === 0) return items.length === 1 ? (outcomes[0] as PromiseFulfilledResult<string>).value : `${items.length} written`;
    if (items.length === 1 || (failed.length === items.length && !failed.some((f) => f.reason instanceof UnrecoverableError))) throw failed[0]!.reason;
    await deps.requeueAlone(store, failed.map((f) => items[f.i]!));
    deps.log.warn({ store, failed: failed.length, of: items.length, err: String((failed[0]!.reason as Error)?.message ?? failed[0]!.reason) }, 'sessions of a batch not written: queued again on their own');
    return `${items.length - failed.length} written, ${failed.length} queued again alone`;
  }

  const workers = STORES.map((store) => {
    const batcher = createBatcher((items: StoreJobData[]) => writeBatch(store, items), { maxBatch: deps.batchMax, maxInFlight: BATCHES_IN_FLIGHT });
    const worker = new Worker<StoreBatchData, string>(
      queueName(store),
      async (job) => {
        const items = sessionsOf(job.data);
        const outcomes = await Promise.allSettled(
          items.map(({ session }, i) => {
            // Ingest checks these; a job queued by an older gateway may not have been checked.
            const idIssue = pathSegmentIssue(session.userId) ?? pathSegmentIssue(session.sessionId);
            return idIssue ? Promise.reject(new UnrecoverableError(`ids cannot name a Firestore document: ${idIssue}`)) : batcher.add(items[i]!);
          }),
        );
        return settle(store, items, outcomes);
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
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      (final ? deps.metrics.deadLettered : deps.metrics.storeRetries).inc({ store }, sessionsOf(job.data).length);
      // An outage fails every write every minute: log the first failures and then every 10th.
      if (final || job.attemptsMade <= 3 || job.attemptsMade % 10 === 0) {
        deps.log[final ? 'error' : 'warn'](
          { store, jobId: job.id, sessions: sessionsOf(job.data).length, attempt: job.attemptsMade, err: err.message },
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
