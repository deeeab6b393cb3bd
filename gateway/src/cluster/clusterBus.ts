/**
 * Messages between the gateways of a cluster over Redis pub/sub (one channel per kind under
 * `{QUEUE_PREFIX}:cluster:`), and `once`: the first gateway to claim a key does a job that every
 * gateway hears about (the `stored` ack goes to a mirror once, not once per gateway).
 * A message is heard by every gateway, the sender included.
 */
import type { Logger } from '../log.ts';
import { connectRedis, execPipeline } from '../redis.ts';

type Handler = (message: any) => void;

export function createClusterBus(redisUrl: string, prefix: string, log: Logger) {
  const pub = connectRedis(redisUrl, {}, log);
  const sub = connectRedis(redisUrl, { maxRetriesPerRequest: null });
  const channel = (kind: string) => `${prefix}:cluster:${kind}`;
  const handlers = new Map<string, Handler[]>();

  sub.on('message', (ch: string, raw: string) => {
    const list = handlers.get(ch);
    if (!list) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch (err) {
      log.warn({ channel: ch, err: (err as Error).message, message: raw.slice(0, 100) }, 'cluster message not JSON: ignored');
      return;
    }
    for (const h of list) {
      try {
        h(message);
      } catch (err) {
        log.warn({ channel: ch, err: (err as Error).message }, 'cluster message handler failed');
      }
    }
  });

  /** `once` for several keys in one pipeline; one answer per key, in order. */
  async function onceMany(keys: string[], ttlS: number): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const pipeline = pub.pipeline();
    for (const key of keys) pipeline.set(`${prefix}:cluster:once:${key}`, '1', 'EX', ttlS, 'NX');
    return (await execPipeline(pipeline)).map((answer) => answer === 'OK');
  }

  return {
    async on(kind: string, handler: Handler): Promise<void> {
      const ch = channel(kind);
      if (!handlers.has(ch)) {
        handlers.set(ch, []);
        await sub.subscribe(ch);
      }
      handlers.get(ch)!.push(handler);
    },
    publish(kind: string, message: unknown): Promise<void> {
      return pub.publish(channel(kind), JSON.stringify(message)).then(() => undefined);
    },
    /** True for the one caller (across the cluster) that claims `key` first within `ttlS`. */
    async once(key: string, ttlS: number): Promise<boolean> {
      return (await onceMany([key], ttlS))[0]!;
    },
    onceMany,
    async close(): Promise<void> {
      sub.disconnect();
      pub.disconnect();
    },
  };
}

export type ClusterBus = ReturnType<typeof createClusterBus>;
