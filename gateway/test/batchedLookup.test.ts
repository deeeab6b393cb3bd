/**
 * Lookups asked for together answered by one query (devices/batchedLookup.ts), and the device
 * registry's secret check built on it against a real MariaDB: every device of a connect storm
 * gets its own answer, a wrong secret, an unknown or a revoked device is refused.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pose-coach/cloud-sync/testing';
import { batchedLookup } from '../src/devices/batchedLookup.ts';
import { createDeviceRegistry } from '../src/devices/deviceRegistry.ts';

/** A lookup over `values` that records the keys of every query it answers. */
function recordedLookup(values: Record<string, number>, maxBatch: number, fail?: (keys: string[]) => boolean) {
  const queries: string[][] = [];
  const get = batchedLookup<number>({
    maxBatch,
    loadMany: async (keys) => {
      queries.push(keys);
      if (fail?.(keys)) throw new Error('store unavailable');
      return new Map(keys.filter((k) => k in values).map((k) => [k, values[k]!]));
    },
  });
  return { get, queries };
}

describe('batched lookups', () => {
  it('answers keys asked for in the same turn with one query, each with its own value', async () => {
    const { get, queries } = recordedLookup({ a: 1, b: 2, c: 3 }, 100);
    expect(await Promise.all(['a', 'b', 'c', 'missing'].map(get))).toEqual([1, 2, 3, undefined]);
    expect(queries).toEqual([['a', 'b', 'c', 'missing']]);
  });

  it('asks for a key wanted twice once, and splits more than maxBatch keys into several queries', async () => {
    const { get, queries } = recordedLookup({ a: 1, b: 2, c: 3, d: 4, e: 5 }, 2);
    expect(await Promise.all(['a', 'a', 'b', 'c', 'd', 'e'].map(get))).toEqual([1, 1, 2, 3, 4, 5]);
    expect(queries).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('asks again for keys asked after the query went out', async () => {
    const { get, queries } = recordedLookup({ a: 1 }, 100);
    await get('a');
    await get('a');
    expect(queries).toEqual([['a'], ['a']]);
  });

  it('fails every key of a query that failed, and only those', async () => {
    const { get } = recordedLookup({ a: 1, b: 2 }, 1, (keys) => keys.includes('a'));
    const [a, b] = await Promise.allSettled([get('a'), get('b')]);
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'store unavailable' } });
    expect(b).toEqual({ status: 'fulfilled', value: 2 });
  });
});

describe('the device registry checking a storm of secrets', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(() => db?.drop());

  for (const lookupBatch of [200, 1]) {
    it(`accepts each device's own secret only, refuses unknown and revoked devices (lookups of ${lookupBatch})`, async () => {
      const registry = createDeviceRegistry(db.pool, undefined, { lookupBatch });
      const tag = randomBytes(3).toString('hex');
      const devices = await Promise.all(Array.from({ length: 30 }, (_, i) => registry.create({ deviceId: `storm-${tag}-${i}` })));
      const revoked = devices[29]!;
      await db.pool.execute('UPDATE devices SET revoked_at = CURRENT_TIMESTAMP WHERE device_id = ?', [revoked.deviceId]);
      const checks = await Promise.all([
        ...devices.map((d) => registry.verify(d.deviceId, d.secret)),
        ...devices.slice(0, 10).map((d, i) => registry.verify(d.deviceId, devices[i + 1]!.secret)), // another device's secret
        registry.verify(`storm-${tag}-unknown`, devices[0]!.secret),
      ]);
      expect(checks).toEqual([...Array(29).fill(true), false, ...Array(10).fill(false), false]);
    });
  }
});
