/**
 * Redis connections the gateway opens itself (BullMQ manages its own). ioredis reconnects by
 * itself; without an 'error' listener it prints "Unhandled error event" for every failed
 * attempt. Here an outage is logged once when it starts and once when it ends.
 */
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from './log.ts';
import { createBatcher } from './queue/batcher.ts';

export function connectRedis(url: string, options: RedisOptions = {}, log?: Logger): Redis {
  const redis = new Redis(url, options);
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log?.warn({ err: err.message }, 'Redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log?.info('Redis reachable again');
  });
  return redis;
}

/** Runs a pipeline and answers each command's result in order; throws the first command error. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (!results) throw new Error('Redis pipeline was not run');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * Commands made close together go to Redis as one pipeline (one socket write, one round trip):
 * `command` adds one item's command; each caller gets its own command's answer or error. Under
 * load this is most of what a session costs the gateway in Redis calls; alone, a command waits
 * only for the next turn of the event loop.
 */
export function createPipelined<T>(redis: Redis, command: (pipeline: ChainableCommander, item: T) => void, maxBatch = 100) {
  return createBatcher(
    async (items: T[]): Promise<PromiseSettledResult<unknown>[]> => {
      const pipeline = redis.pipeline();
      for (const item of items) command(pipeline, item);
      const results = await pipeline.exec();
      if (!results) throw new Error('Redis pipeline was not run');
      return results.map(([err, value]) => (err ? { status: 'rejected', reason: err } : { status: 'fulfilled', value }));
    },
    { maxBatch, maxInFlight: 2 },
  );
}
