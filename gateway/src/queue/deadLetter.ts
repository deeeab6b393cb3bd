/**
 * The dead-letter list: store writes whose attempts are used up, kept as BullMQ failed jobs.
 * An operator lists them and replays them (`pose-coach-gateway dlq list|replay`).
 */
import { STORES, sessionsOf, type StoreName, type StoreQueues } from './storeQueues.ts';

export interface DeadLetter {
  store: StoreName;
  sessionId: string;
  uid: string;
  attempts: number;
  failedReason: string;
  failedAt?: string;
}

export async function listDeadLetters(queues: StoreQueues, limit = 1000): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const store of STORES) {
    // A batch job fails whole only when every attempt failed for all its sessions (the store down
    // with STORE_ATTEMPTS set): each of its sessions is listed.
    for (const job of await queues.queues[store].getFailed(0, limit - 1)) {
      for (const { session } of sessionsOf(job.data)) {
        out.push({
          store,
          sessionId: session.sessionId,
          uid: session.userId,
          attempts: job.attemptsMade,
          failedReason: job.failedReason,
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
        });
      }
    }
  }
  return out;
}

/** Moves dead-lettered writes back to waiting (all of them, or one session's, with its batch); returns how many jobs. */
export async function replayDeadLetters(queues: StoreQueues, sessionId?: string): Promise<number> {
  let n = 0;
  for (const store of STORES) {
    const failed = await queues.queues[store].getFailed();
    const jobs = sessionId ? failed.filter((job) => sessionsOf(job.data).some((item) => item.session.sessionId === sessionId)) : failed;
    for (const job of jobs) {
      if ((await job.getState()) !== 'failed') continue;
      await job.retry('failed', { resetAttemptsMade: true });
      n++;
    }
  }
  return n;
}
