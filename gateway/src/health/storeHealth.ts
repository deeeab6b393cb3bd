/**
 * `/healthz` and `/readyz`: each store probed with a short timeout. healthz is 200 only when
 * Firestore, MySQL and Redis all answer; readyz is 200 while sessions can be accepted, i.e. Redis
 * answers (a store that is down only delays its own queue).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { Pool } from 'mysql2/promise';
import type { Redis } from 'ioredis';

export interface StoreProbe {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  stores: { firestore: StoreProbe; mysql: StoreProbe; redis: StoreProbe };
}

async function probe(fn: () => Promise<unknown>, timeoutMs: number): Promise<StoreProbe> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

export function createStoreHealth(deps: { firestore: Firestore; pool: Pool; redis: Redis; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? 1500;
  return {
    async check(): Promise<HealthReport> {
      const [firestore, mysql, redis] = await Promise.all([
        probe(() => deps.firestore.doc('_health/probe').get(), timeoutMs),
        probe(() => deps.pool.query('SELECT 1'), timeoutMs),
        probe(() => deps.redis.ping(), timeoutMs),
      ]);
      return { ok: firestore.ok && mysql.ok && redis.ok, stores: { firestore, mysql, redis } };
    },
  };
}

export type StoreHealth = ReturnType<typeof createStoreHealth>;
