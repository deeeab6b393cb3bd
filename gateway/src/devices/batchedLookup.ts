/**
 * Lookups by key asked for at about the same time answered by one query for all of them.
 *
 * A connect storm asks MySQL for one device's secret hash (and pairing) per CONNECT: at 500
 * connects/s that was 1,000 statements/s, each a socket write, a read, a parse and a pool
 * connection held for a round trip, all on the gateway's one thread (17% of its time in a
 * profile of bench/fleet, beside the packets themselves), and a 10-connection pool that
 * queues connects behind it once MySQL answers slowly. Keys asked for before the event loop
 * moves on (the CONNECTs read in one turn) are looked up together, in one `IN (...)` query
 * of at most `maxBatch` keys; with `maxBatch` 1 every key is its own query, as before.
 */
export function batchedLookup<T>(opts: {
  /** Resolves with the value of each key found; a key left out has none (undefined). */
  loadMany: (keys: string[]) => Promise<Map<string, T>>;
  maxBatch: number;
}): (key: string) => Promise<T | undefined> {
  type Waiter = { resolve: (v: T | undefined) => void; reject: (e: unknown) => void };
  let pending = new Map<string, Waiter[]>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    if (batch.size === 0) return;
    opts.loadMany([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
      },
      (err: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  };

  return (key) =>
    new Promise<T | undefined>((resolve, reject) => {
      const waiters = pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
      if (pending.size >= opts.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        // After this turn's I/O callbacks: every CONNECT read in it joins the batch.
        setImmediate(flush);
      }
    });
}
