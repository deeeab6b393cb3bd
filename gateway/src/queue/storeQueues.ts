/**
 * One BullMQ queue per store, so a store that is down delays only its own writes. Sessions queued
 * together become one job in each queue (a batch): BullMQ's cost is paid per job, in Redis and in
 * the worker (add, take, finish: three scripts), so a job per session was most of what ingest cost.
 * A session queued on its own is a job with jobId = sessionId, so adding it twice is a no-op; a
 * session in a batch that is queued again is written again, which the stores take as a repeat
 * (Firestore set by id, MySQL's unique session_id). A session of a batch that one store refuses is
 * split off into a job of its own (storeWorkers.ts), so it is retried and dead-lettered alone.
 * Failed jobs that used up their attempts (by default only sessions no retry can store: writes
 * are retried with a capped backoff for as long as a store is down) stay in the queue's failed
 * set: that is the dead-letter list (see deadLetter.ts).
 */
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { cappedBackoff as cappedDelay, type StoredSession } from '@pose-coach/protocol';
import { createBatcher } from './batcher.ts';

export const STORES = ['firestore', 'mysql'] as const;
export type StoreName = (typeof STORES)[number];

/** One session waiting for a store. */
export interface StoreJobData {
  session: StoredSession;
  source: 'mqtt' | 'api';
  receivedAt: string;
}

/** A store job's data: the sessions queued together. A job queued by an older gateway is one StoreJobData. */
export type StoreBatchData = { sessions: StoreJobData[] } | StoreJobData;

/** The sessions a store job carries, whichever gateway version queued it. */
export function sessionsOf(data: StoreBatchData): StoreJobData[] {
  return 'sessions' in data ? data.sessions : [data];
}

/** A job's name and id: a lone session's job is named by its sessionId (a repeat is a no-op), a batch's by a fresh id. */
function jobOf(items: StoreJobData[]): { name: string; data: StoreBatchData; opts: JobsOptions } {
  if (items.length === 1) return { name: 'save', data: { sessions: items }, opts: { jobId: items[0]!.session.sessionId } };
  // Kept only while it matters: a batch's id is never asked for again, and its data is large.
  return { name: 'save-batch', data: { sessions: items }, opts: { jobId: `batch-${randomUUID()}`, removeOnComplete: true } };
}

export interface StoreQueueOptions {
  redisUrl: string;
  prefix: string;
  /** Attempts before the dead-letter list; 0: retry for as long as it takes (the default). */
  attempts: number;
  backoffMs: number;
  /** Most jobs one bulk add carries (BATCH_MAX); 1: one add per job. */
  batchMax?: number;
}

/** BullMQ's attempts for "forever": at a capped backoff of a minute, longer than any outage. */
export const UNLIMITED_ATTEMPTS = 2 ** 31 - 1;

/** The backoff type the store workers compute (capped exponential; see storeWorkers.ts). */
export const CAPPED_BACKOFF = 'capped-exponential';

/** Delay before retry `attemptsMade` (BullMQ counts from 1): doubling from `firstMs`, never above `maxMs` (protocol's one backoff rule). */
export function cappedBackoff(attemptsMade: number, firstMs: number, maxMs: number): number {
  return cappedDelay(attemptsMade - 1, { minMs: firstMs, maxMs });
}

export function queueName(store: StoreName): string {
  return `store-${store}`;
}

export function redisConnection(url: string) {
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest null for them.
  return { url, maxRetriesPerRequest: null };
}

export function createStoreQueues(opts: StoreQueueOptions) {
  const jobOptions: JobsOptions = {
    attempts: opts.attempts === 0 ? UNLIMITED_ATTEMPTS : opts.attempts,
    backoff: { type: CAPPED_BACKOFF, delay: opts.backoffMs },
    // Completed jobs are kept a day so a redelivered session is recognised by its job id.
    removeOnComplete: { age: 24 * 3600, count: 200_000 },
    removeOnFail: false,
  };
  const queues = Object.fromEntries(
    STORES.map((store) => [
      store,
      new Queue<StoreBatchData>(queueName(store), {
        connection: { url: opts.redisUrl, enableOfflineQueue: false },
        prefix: opts.prefix,
        defaultJobOptions: jobOptions,
      }),
    ]),
  ) as Record<StoreName, Queue<StoreBatchData>>;

  const batchMax = opts.batchMax ?? 100;
  // Sessions arriving together become one job per store (one script in Redis, one round trip).
  const adders = Object.fromEntries(
    STORES.map((store) => [
      store,
      createBatcher(
        async (items: StoreJobData[]) => {
          const { name, data, opts: jobOpts } = jobOf(items);
          await queues[store].add(name, data, jobOpts);
          return items.map(() => ({ status: 'fulfilled', value: undefined }) as const);
        },
        { maxBatch: batchMax, maxInFlight: 2 },
      ),
    ]),
  ) as Record<StoreName, ReturnType<typeof createBatcher<StoreJobData, undefined>>>;

  return {
    queues,
    /** Resolves once the session is in Redis for every store; throws when Redis is unreachable. */
    async enqueue(data: StoreJobData): Promise<void> {
      await Promise.all(STORES.map((store) => adders[store].add(data)));
    },
    /** Queues each session as a job of its own for one store: retried, and dead-lettered, alone. */
    async requeueAlone(store: StoreName, items: StoreJobData[]): Promise<void> {
      await queues[store].addBulk(items.map((item) => jobOf([item])));
    },
    async counts(): Promise<Record<StoreName, Record<string, number>>> {
      const entries = await Promise.all(
        STORES.map(async (s) => [s, await queues[s].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')] as const),
      );
      return Object.fromEntries(entries) as Record<StoreName, Record<string, number>>;
    },
    async close(): Promise<void> {
      await Promise.all(STORES.map((s) => queues[s].close()));
    },
  };
}

export type StoreQueues = ReturnType<typeof createStoreQueues>;
