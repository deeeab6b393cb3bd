/**
 * Redis connections the gateway opens itself (BullMQ manages its own). ioredis reconnects by
 * itself; without an 'error' listener it prints "Unhandled error event" for every failed
 * attempt. Here an outage is logged once when it starts and once when it ends.
 */
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from './log.ts';

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
