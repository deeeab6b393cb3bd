/**
 * At most `limit` callers inside at once, at most `maxWaiting` waiting; anyone past that, or
 * waiting longer than `maxWaitMs`, is turned away at once. Keeps an unauthenticated endpoint
 * (fleet claims) from taking more than its share of the MySQL pool however many callers come.
 */
export class GateFull extends Error {
  override name = 'GateFull';
}

export function createConcurrencyGate(opts: { limit: number; maxWaiting: number; maxWaitMs: number }) {
  let inside = 0;
  const waiting: Array<{ admit(): void; timer: NodeJS.Timeout }> = [];

  const leave = () => {
    const next = waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.admit(); // the slot passes straight on
    } else inside--;
  };

  return {
    /** Runs `work` once admitted; rejects with GateFull when there is no room. */
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (inside < opts.limit) inside++;
      else {
        if (waiting.length >= opts.maxWaiting) throw new GateFull(`${waiting.length} callers already waiting`);
        await new Promise<void>((admit, reject) => {
          const entry = {
            admit,
            timer: setTimeout(() => {
              waiting.splice(waiting.indexOf(entry), 1);
              reject(new GateFull(`no turn within ${opts.maxWaitMs} ms`));
            }, opts.maxWaitMs),
          };
          waiting.push(entry);
        });
      }
      try {
        return await work();
      } finally {
        leave();
      }
    },
    stats: () => ({ inside, waiting: waiting.length }),
  };
}
