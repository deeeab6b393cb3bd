/**
 * The agent's start-up as a list of named steps, the way aedes runs its `connectActions` through
 * `runSeries`: each step starts after the one before it and hands back its part (with `stop()` where
 * it holds something open); stopping runs those in reverse. A step that fails to start stops the
 * ones already started before the error goes on, so a refused start leaves nothing open.
 */
import type { Logger } from 'pino';

export interface StepPart {
  /** Undoes the step; `reason` is why the agent stops (a signal, a command, a test). */
  stop?(reason: string): void | Promise<void>;
}

export interface StepRunner {
  /** Starts one named step now and keeps its part (stopped by `stopAll` when it has `stop()`). */
  run<T>(name: string, start: () => T | Promise<T>): Promise<T>;
  /** Stops every started step, last first; a step failing to stop is logged and the rest still stop. */
  stopAll(reason: string): Promise<void>;
  /** The names of the started steps, in start order. */
  readonly started: readonly string[];
}

export function createStepRunner(log: Logger): StepRunner {
  const running: { name: string; part: StepPart }[] = [];

  async function stopAll(reason: string): Promise<void> {
    while (running.length) {
      const { name, part } = running.pop()!;
      try {
        await part.stop?.(reason);
      } catch (err) {
        log.error({ step: name, err: (err as Error).message }, 'agent step failed to stop; stopping the others');
      }
    }
  }

  return {
    get started() {
      return running.map((r) => r.name);
    },
    async run(name, start) {
      let part: Awaited<ReturnType<typeof start>>;
      try {
        part = await start();
      } catch (err) {
        log.debug({ step: name, err: (err as Error).message }, 'agent step failed to start; stopping the ones before it');
        await stopAll(`step ${name} failed to start`);
        throw err;
      }
      running.push({ name, part: part as StepPart });
      return part;
    },
    stopAll,
  };
}
