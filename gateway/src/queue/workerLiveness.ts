/**
 * Resuming without the lock-expiry tail. A gateway killed with SIGKILL leaves its active jobs
 * locked until BullMQ's lock expires and a stalled check moves them back (30–60 s by default).
 * Every worker process keeps a short-lived "alive" key per BullMQ worker id; a starting gateway
 * moves straight back to waiting the active jobs whose lock token (`<workerId>:<n>`) names a
 * worker with no such key, i.e. one that is dead. Jobs of live workers (another gateway of a
 * cluster) are left alone. The check runs at start and every few seconds after (a gateway killed
 * just before this one started still has its key for up to ALIVE_TTL_MS; another gateway of a
 * cluster may die at any time), so a dead worker's jobs wait at most about ALIVE_TTL_MS + RECLAIM_EVERY_MS.
 */
import type { Queue } from 'bullmq';
import { connectRedis } from '../redis.ts';
import type { Logger } from '../log.ts';

const ALIVE_TTL_MS = 5_000;
const BEAT_MS = 1_500;
export const RECLAIM_EVERY_MS = 2_500;

const aliveKey = (prefix: string, workerId: string) => `${prefix}:worker-alive:${workerId}`;

/** Keeps the "alive" keys of these BullMQ worker ids; resolves once they are first written. */
export async function startWorkerHeartbeat(redisUrl: string, prefix: string, workerIds: string[], log?: Logger) {
  const redis = connectRedis(redisUrl, { lazyConnect: true }, log);
  const beat = () =>
    Promise.all(workerIds.map((id) => redis.set(aliveKey(prefix, id), String(process.pid), 'PX', ALIVE_TTL_MS))).catch(() => {});
  await beat();
  const timer = setInterval(() => void beat(), BEAT_MS);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      // A clean stop releases its jobs itself (Worker.close); the keys may go at once.
      await Promise.all(workerIds.map((id) => redis.del(aliveKey(prefix, id)))).catch(() => {});
      redis.disconnect();
    },
  };
}

/** Moves the active jobs of dead workers back to waiting, on one Redis connection kept open. */
export function createJobReclaimer(redisUrl: string, prefix: string, log?: Logger) {
  const redis = connectRedis(redisUrl, { lazyConnect: true }, log);
  return {
    /** Returns how many jobs were moved back. */
    async reclaim(queues: Queue[]): Promise<number> {
      let moved = 0;
      for (const queue of queues) {
        for (const job of await queue.getActive(0, 10_000)) {
          if (!job.id) continue;
          const token = await redis.get(`${prefix}:${queue.name}:${job.id}:lock`);
          const workerId = token?.includes(':') ? token.slice(0, token.lastIndexOf(':')) : undefined;
          if (workerId && (await redis.exists(aliveKey(prefix, workerId))) === 1) continue;
          try {
            await job.moveToWait(token ?? '0');
            moved++;
          } catch (err) {
            // Finished or re-locked in the meantime: nothing to reclaim.
            log?.debug({ jobId: job.id, err: (err as Error).message }, 'job not reclaimed');
          }
        }
      }
      if (moved > 0) log?.info({ moved }, 'jobs of a stopped gateway moved back to waiting');
      return moved;
    },
    close(): void {
      redis.disconnect();
    },
  };
}
