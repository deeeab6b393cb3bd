/**
 * Fleet presence shared by the gateways of a cluster. Each gateway keeps the whole fleet's
 * presence in memory (fleet/presence.ts) so its API, fleet page and rollouts see every mirror;
 * what its own MQTT connections tell it is sent to the others every `intervalMs` (one bus
 * message with the entries that changed) and kept in one Redis hash, which a starting gateway
 * loads. Entries are ordered by connection serial (one Redis counter for the cluster), so a
 * late report about a mirror's old connection never overrides its newer one on another gateway.
 * Heartbeat timeouts need no messages: every gateway sweeps the same last-heard times.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { DevicePresence, Presence } from '../fleet/presence.ts';
import type { ClusterBus } from './clusterBus.ts';

/** KEYS[1] the hash. ARGV: pairs of deviceId, JSON entry. An entry of an older connection than the stored one is skipped. */
const SAVE_LUA = `
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local entry = cjson.decode(ARGV[i + 1])
  if not old or tonumber(cjson.decode(old).connection) <= tonumber(entry.connection) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
`;

type Entry = [deviceId: string, presence: DevicePresence];
type Inbox = Pick<Presence, 'status' | 'heard' | 'connected' | 'disconnected'>;

export async function replicatePresence(deps: {
  presence: Presence;
  bus: ClusterBus;
  redis: Redis;
  prefix: string;
  intervalMs: number;
  log: Logger;
  /** Told of each entry another gateway sent (its telemetry, for a rollout waiting on that mirror's report). */
  onAdopted?(deviceId: string, presence: DevicePresence): void;
}) {
  const key = `${deps.prefix}:fleet:presence`;
  const me = randomUUID();
  const touched = new Set<string>();

  for (const [deviceId, raw] of Object.entries(await deps.redis.hgetall(key))) {
    try {
      deps.presence.adopt(deviceId, JSON.parse(raw) as DevicePresence);
    } catch (err) {
      // A damaged entry: the mirror's next message replaces it.
      deps.log.warn({ deviceId, err: (err as Error).message }, 'stored presence unreadable: ignored');
    }
  }
  await deps.bus.on('presence', (m: { from: string; entries: Entry[] }) => {
    if (m.from === me) return;
    for (const [deviceId, p] of m.entries) {
      deps.presence.adopt(deviceId, p);
      deps.onAdopted?.(deviceId, p);
    }
  });

  async function send(): Promise<void> {
    if (touched.size === 0) return;
    const entries: Entry[] = [];
    for (const id of touched) {
      const p = deps.presence.get(id);
      if (p) entries.push([id, p]);
    }
    touched.clear();
    await deps.redis.eval(SAVE_LUA, 1, key, ...entries.flatMap(([id, p]) => [id, JSON.stringify(p)]));
    await deps.bus.publish('presence', { from: me, entries });
  }
  const timer = setInterval(() => void send().catch((err: Error) => deps.log.warn({ err: err.message }, 'presence not shared with the cluster')), deps.intervalMs);
  timer.unref();

  /** The broker's handlers call this instead of the presence itself: local news is noted for sending. */
  const inbox: Inbox = {
    connected: (deviceId, connection) => (deps.presence.connected(deviceId, connection), void touched.add(deviceId)),
    disconnected: (deviceId, connection) => (deps.presence.disconnected(deviceId, connection), void touched.add(deviceId)),
    status: (deviceId, connection, status) => {
      touched.add(deviceId);
      return deps.presence.status(deviceId, connection, status);
    },
    heard: (deviceId, connection, telemetry) => (deps.presence.heard(deviceId, connection, telemetry), void touched.add(deviceId)),
  };

  return {
    inbox,
    /** Sends what is pending (on shutdown). */
    async close(): Promise<void> {
      clearInterval(timer);
      await send().catch((err: Error) => deps.log.warn({ err: err.message }, 'last presence not shared at shutdown: the other gateways hear the mirrors again'));
    },
  };
}
