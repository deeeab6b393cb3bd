/**
 * What makes several gateway processes one MQTT broker, as aedes is clustered: subscriptions,
 * retained messages (pairing, config) and QoS 1 messages in flight to offline mirrors live in
 * Redis (aedes-persistence-redis), and every publish travels over Redis pub/sub
 * (mqemitter-redis), so a message published on one gateway reaches a mirror on another. Both
 * under `{QUEUE_PREFIX}:mqtt:`. Connection serials (fleet/presence.ts orders a mirror's
 * connections by them) come from one Redis counter, so they stay ordered when a mirror moves
 * between gateways. Last Wills are kept per gateway and client id (willsByClient.ts).
 */
import { createRequire } from 'node:module';
import type { AedesOptions } from 'aedes';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { keepWillsByClient } from './willsByClient.ts';

const require = createRequire(import.meta.url);

type Persistence = NonNullable<AedesOptions['persistence']> & { destroy(cb?: () => void): void; asyncPersistence: object; broker?: { id: string } };
type Emitter = NonNullable<AedesOptions['mq']>;
const redisPersistence = require('aedes-persistence-redis') as (opts: { conn: Redis; maxSessionDelivery?: number }) => Persistence;
const { MQEmitterRedisPrefix } = require('mqemitter-redis') as {
  MQEmitterRedisPrefix: new (prefix: string, opts: { connectionString: string; concurrency: number; matchEmptyLevels: boolean }) => Emitter & {
    close(cb: () => void): void;
    state: import('node:events').EventEmitter;
  };
};

export interface MqttCluster {
  /** `persistence` and `mq` for `Aedes.createBroker`. */
  brokerOptions: Pick<AedesOptions, 'persistence' | 'mq' | 'heartbeatInterval'>;
  /** A serial for a new connection, ordered across every gateway of the cluster. */
  nextConnectionSerial(): Promise<number>;
  close(): Promise<void>;
}

export function createMqttCluster(opts: { redisUrl: string; prefix: string; concurrency: number; heartbeatMs?: number; log: Logger }): MqttCluster {
  const keyPrefix = `${opts.prefix}:mqtt:`;
  const log = opts.log.child({ part: 'mqtt-cluster' });
  const conn = new Redis(opts.redisUrl, { keyPrefix });
  const counter = new Redis(opts.redisUrl);
  for (const r of [conn, counter]) r.on('error', (err: Error) => log.warn({ err: err.message }, 'Redis (MQTT cluster) unreachable; retrying'));
  const persistence = redisPersistence({ conn });
  // The package's Wills cost an LREM over every mirror's Will per connect (willsByClient.ts).
  keepWillsByClient(persistence, conn);
  // The emitter makes its own two connections (publish, subscribe) from the URL.
  const mq = new MQEmitterRedisPrefix(keyPrefix, { connectionString: opts.redisUrl, concurrency: opts.concurrency, matchEmptyLevels: true });
  // mqemitter-redis reports Redis errors (a publish cut off at shutdown, an outage) on `state`;
  // an EventEmitter's 'error' with no listener throws, which would end the process.
  mq.state.on('error', (err: Error) => log.warn({ err: err.message }, 'MQTT cluster emitter: Redis error'));
  return {
    // The heartbeat decides how soon a crashed gateway's mirrors' Wills are published by the others
    // (3 missed beats make it dead; aedes looks for such Wills every 4 beats).
    brokerOptions: { persistence, mq, ...(opts.heartbeatMs ? { heartbeatInterval: opts.heartbeatMs } : {}) },
    nextConnectionSerial: () => counter.incr(`${keyPrefix}connection-serial`),
    /** Call when aedes emits `closed` (clients gone, emitter still open): the persistence unsubscribes from the emitter, then lets go of Redis. */
    async close() {
      await Promise.race([new Promise<void>((resolve) => persistence.destroy(() => resolve())), new Promise((r) => setTimeout(r, 2000).unref())]);
      // quit, not disconnect: commands still on their way are answered rather than rejected unhandled.
      await Promise.all([conn.quit().catch(() => undefined), counter.quit().catch(() => undefined)]);
    },
  };
}
