/**
 * The dead-letter list: store writes whose attempts are used up, kept as BullMQ failed jobs.
 * An operator lists them and replays them (`pose-coach-gateway dlq list|replay`).
 */
import { STORES, type StoreName, type StoreQueues } from './storeQueues.ts';

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
    for (const job of await queues.queues[store].getFailed(0, limit - 1)) {
      out.push({
        store,
        sessionId: String(job.id),
        uid: job.data.session.userId,
        attempts: job.attemptsMade,
        failedReason: job.failedReason,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
      });
    }
  }
  return out;
}

/** Moves dead-lettered writes back to waiting (all of them, or one session's); returns how many. */
export async function replayDeadLetters(queues: StoreQueues, sessionId?: string): Promise<number> {
  let n = 0;
  for (const store of STORES) {
    const jobs = sessionId
      ? [await queues.queues[store].getJob(sessionId)].filter((j) => j !== undefined)
      : await queues.queues[store].getFailed();
    for (const job of jobs) {
      if ((await job.getState()) !== 'failed') continue;
      await job.retry('failed', { resetAttemptsMade: true });
      n++;
    }
  }
  return n;
}
