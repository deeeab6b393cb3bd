/**
 * Pairing changes made outside the gateway process (the admin CLI) reach it over Redis pub/sub:
 * the gateway then drops its cached binding and updates Firestore and the retained message.
 * A change made while no gateway runs still reaches the mirror: its state is re-sent on connect.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../redis.ts';
import type { Logger } from '../log.ts';
import type { PairingChange } from './pairingService.ts';

export const pairingChannel = (prefix: string) => `${prefix}:pairing:changes`;

export function publishPairingChange(redis: Redis, prefix: string, change: PairingChange): Promise<void> {
  return redis.publish(pairingChannel(prefix), JSON.stringify(change)).then(() => undefined);
}

/** Subscribes on a connection of its own (a subscribed Redis connection can do nothing else). */
export async function subscribePairingChanges(redisUrl: string, prefix: string, log: Logger, onChange: (change: PairingChange) => void): Promise<() => Promise<void>> {
  const sub = connectRedis(redisUrl, { maxRetriesPerRequest: null });
  await sub.subscribe(pairingChannel(prefix));
  sub.on('message', (_channel, raw: string) => {
    let change: PairingChange;
    try {
      change = JSON.parse(raw) as PairingChange;
    } catch (err) {
      log.warn({ err: (err as Error).message, message: raw.slice(0, 100) }, 'pairing change not JSON: ignored');
      return;
    }
    if (typeof change?.deviceId === 'string') onChange(change);
    else log.warn({ message: raw.slice(0, 100) }, 'pairing change without a deviceId: ignored');
  });
  return async () => {
    sub.disconnect();
  };
}
