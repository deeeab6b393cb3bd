/** Things opened in order and closed in reverse: a failed start-up closes what it had opened. */
import type { Logger } from './log.ts';

export function createScope(log: Logger) {
  const closers: Array<() => Promise<unknown>> = [];
  return {
    add(close: () => Promise<unknown>): void {
      closers.push(close);
    },
    async close(): Promise<void> {
      while (closers.length) {
        await closers.pop()!().catch((err: Error) => log.warn({ err: err.message }, 'close step failed'));
      }
    },
  };
}

export type Scope = ReturnType<typeof createScope>;
