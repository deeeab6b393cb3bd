/**
 * Where the phone's reads come from: Firestore, the primary record, and MySQL while Firestore does
 * not answer (the answer then says so). After a Firestore failure, reads go straight to MySQL for
 * a while instead of each waiting out the timeout.
 */
import { CursorError, type SessionRepository } from '@pose-coach/cloud-sync';
import type { Logger } from '../log.ts';
import type { StoreName } from '../queue/storeQueues.ts';

export interface ReadAnswer<T> {
  value: T;
  source: StoreName;
  /** Present when the answer is not from Firestore: why, for the person reading. */
  degraded?: string;
}

export const MYSQL_FALLBACK_NOTE =
  'Firestore is not answering: these come from the MySQL copy (per-rep detail is missing until it is back)';

export function createSessionReads(
  repositories: Record<StoreName, SessionRepository>,
  log: Logger,
  opts: { timeoutMs?: number; skipForMs?: number } = {},
) {
  const timeoutMs = opts.timeoutMs ?? 2500;
  const skipForMs = opts.skipForMs ?? 10_000;
  let firestoreSkippedUntil = 0;

  function withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  return {
    async read<T>(fn: (repo: SessionRepository) => Promise<T>): Promise<ReadAnswer<T>> {
      if (Date.now() >= firestoreSkippedUntil) {
        try {
          return { value: await withTimeout(fn(repositories.firestore)), source: 'firestore' };
        } catch (err) {
          if (err instanceof CursorError) throw err;
          firestoreSkippedUntil = Date.now() + skipForMs;
          log.warn({ err: (err as Error).message }, 'Firestore read failed; answering from MySQL');
        }
      }
      return { value: await fn(repositories.mysql), source: 'mysql', degraded: MYSQL_FALLBACK_NOTE };
    },
  };
}

export type SessionReads = ReturnType<typeof createSessionReads>;
