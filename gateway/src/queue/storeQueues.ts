/**
 * One BullMQ queue per store, so a store that is down delays only its own writes. Every session
 * becomes one job in each queue with jobId = sessionId: adding it twice is a no-op (idempotency).
 * Failed jobs that used up their attempts (by default only sessions no retry can store: writes
 * are retried with a capped backoff for as long as a store is down) stay in the queue's failed
 * set: that is the dead-letter list (see deadLetter.ts).
 */
import { Queue, type JobsOptions } from 'bullmq';
import { cappedBackoff as cappedDelay, type StoredSession } from '@pose-coach/protocol';
import { createBatcher } from './batcher.ts';

export const STORES = ['firestore', 'mysql'] as const;
export type StoreName = (typeof STORES)[number];

export interface StoreJobData {
  session: StoredSession;
  source: 'mqtt' | 'api';
  receivedAt: string;
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
      new Queue<StoreJobData>(queueName(store), {
        connection: { url: opts.redisUrl, enableOfflineQueue: false },
        prefix: opts.prefix,
        defaultJobOptions: jobOptions,
      }),
    ]),
  ) as Record<StoreName, Queue<StoreJobData>>;

  const batchMax = opts.batchMax ?? 100;
  // Sessions arriving together are added in one bulk add per store (one Redis round trip); a
  // jobId already present is still a no-op in a bulk add.
  const adders = Object.fromEntries(
    STORES.map((store) => [
      store,
      createBatcher(
        async (items: StoreJobData[]) => {
          await queues[store].addBulk(items.map((data) => ({ name: 'save', data, opts: { jobId: data.session.sessionId } })));
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
      const add = (store: StoreName) =>
        batchMax > 1 ? adders[store].add(data) : queues[store].add('save', data, { jobId: data.session.sessionId });
      await Promise.all(STORES.map(add));
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
