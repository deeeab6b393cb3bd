/**
 * The batcher under the store writes, queue adds and claim checks: calls made together leave as
 * one batch, each caller gets its own item's outcome (one failing item fails no other), calls made
 * while batches are being written wait and leave together, and maxBatch 1 sends each alone.
 */
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../src/queue/batcher.ts';

/** A write that records its batches and finishes when told to. */
function recordingWrite() {
  const batches: number[][] = [];
  const finish: Array<() => void> = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<PromiseSettledResult<number>[]>((resolve) =>
      finish.push(() => resolve(items.map((n) => (n < 0 ? { status: 'rejected', reason: new Error(`bad ${n}`) } : { status: 'fulfilled', value: n * 10 })))),
    );
  };
  return { batches, finish, write };
}

describe('createBatcher', () => {
  it('sends calls made in one turn as one batch and answers each with its own outcome, a bad item failing alone', async () => {
    const w = recordingWrite();
    const b = createBatcher(w.write, { maxBatch: 100, maxInFlight: 2 });
    const answers = [1, -2, 3].map((n) => b.add(n).then((v) => ({ ok: v }), (e: Error) => ({ err: e.message })));
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1, -2, 3]]);
    w.finish[0]!();
    expect(await Promise.all(answers)).toEqual([{ ok: 10 }, { err: 'bad -2' }, { ok: 30 }]);
  });

  it('holds calls made while maxInFlight batches are writing and sends them together, at most maxBatch at a time', async () => {
    const w = recordingWrite();
    const b = createBatcher(w.write, { maxBatch: 3, maxInFlight: 1 });
    const first = b.add(1);
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4, 5].map((n) => b.add(n));
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1]]); // the others wait for the write in flight
    expect(b.waiting).toBe(4);
    w.finish[0]!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.finish[1]!();
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1], [2, 3, 4], [5]]);
    w.finish[2]!();
    expect(await Promise.all(later)).toEqual([20, 30, 40, 50]);
  });

  it('fails every item of a batch whose write throws, and keeps serving the next ones', async () => {
    let calls = 0;
    const b = createBatcher(
      async (items: number[]) => {
        if (calls++ === 0) throw new Error('store down');
        return items.map((n) => ({ status: 'fulfilled' as const, value: n }));
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const failed = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(await b.add(3)).toBe(3);
  });

  it('sends each item alone with maxBatch 1 (the unbatched path)', async () => {
    const w = recordingWrite();
    const b = createBatcher(w.write, { maxBatch: 1, maxInFlight: 2 });
    const all = [1, 2, 3].map((n) => b.add(n));
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1], [2]]);
    w.finish[0]!();
    await all[0];
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1], [2], [3]]);
    w.finish[1]!();
    w.finish[2]!();
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
  });
});
