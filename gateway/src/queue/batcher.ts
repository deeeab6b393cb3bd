/**
 * Calls made close together become one call with many items (one multi-row insert, one Firestore
 * commit, one Redis pipeline): the per-call cost of a store is paid once per batch, not once per
 * session. Nothing waits on a timer: the first call of a quiet moment goes out on the next turn
 * of the event loop, and calls arriving while `maxInFlight` batches are being written queue up
 * and leave together when one finishes, so batches grow with the load and only with it.
 * Each caller gets its own item's outcome: one item failing does not fail the others.
 */

export interface BatcherOptions {
  /** Most items in one call; 1 sends each item alone (the unbatched path). */
  maxBatch: number;
  /** Batches being written at once. */
  maxInFlight: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(reason: unknown): void;
}

/**
 * `writeMany` gets the items of a batch and answers one settled outcome per item, in order; if it
 * throws, every item of that batch fails with its error.
 */
export function createBatcher<T, R>(writeMany: (items: T[]) => Promise<PromiseSettledResult<R>[]>, opts: BatcherOptions) {
  const waiting: Waiting<T, R>[] = [];
  let inFlight = 0;
  let scheduled = false;

  function write(batch: Waiting<T, R>[]): void {
    inFlight++;
    writeMany(batch.map((w) => w.item))
      .then(
        (outcomes) =>
          batch.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome?.status === 'fulfilled') w.resolve(outcome.value);
            else w.reject(outcome ? outcome.reason : new Error('batched write gave no outcome for this item'));
          }),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  }

  function pump(): void {
    scheduled = false;
    while (inFlight < opts.maxInFlight && waiting.length > 0) write(waiting.splice(0, opts.maxBatch));
  }

  return {
    add(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!scheduled && inFlight < opts.maxInFlight) {
          scheduled = true;
          // Everything added in this turn of the loop joins the same batch.
          setImmediate(pump);
        }
      });
    },
    /** Items waiting for a batch (for tests and metrics). */
    get waiting(): number {
      return waiting.length;
    },
  };
}

export type Batcher<T, R> = ReturnType<typeof createBatcher<T, R>>;
