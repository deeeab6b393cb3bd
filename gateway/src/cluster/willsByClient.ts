/**
 * Last Wills of a cluster's mirrors kept in Redis by gateway and client id, in place of
 * aedes-persistence-redis' own Will methods.
 *
 * The package keeps the key of every Will in one list (`will`) and runs `LREM` over that list on
 * every `putWill` and `delWill`, i.e. twice per CONNECT and once per disconnect: each costs time in
 * proportion to the whole fleet's Wills, in Redis' single thread that every gateway shares (10,000
 * mirrors: 10,000 entries scanned per LREM). Its `streamWill` also reads at most 10,001 of them.
 *
 * Here a gateway's Wills are one hash (`wills:{brokerId}`, a field per client id), and a set
 * (`will-brokers`) names the gateways that may hold some. Storing or deleting a Will is O(1);
 * `streamWill(alive)`, which aedes calls every 4 heartbeats to publish the Wills of gateways that
 * stopped beating (aedes.js `_clearWills`), reads only the hashes of gateways not in `alive`.
 *
 * Semantics kept from the package: a Will is stored under the gateway the client is connected to
 * (`getWill` reads this gateway's), deleted by `{ id, brokerId }`, and streamed with `clientId`
 * and `brokerId` set, so a survivor publishes a dead gateway's Wills and then deletes them.
 */
import type { Redis } from 'ioredis';

type WillPacket = { topic: string; payload: Buffer | string; clientId?: string; brokerId?: string; [k: string]: unknown };
type ClientRef = { id: string; brokerId?: string };

const BROKERS = 'will-brokers';
const willsOf = (brokerId: string) => `wills:${brokerId}`;

/**
 * Forget a gateway with no Wills left: KEYS = the set of gateways, that gateway's hash; ARGV = its
 * id. Checked and removed in one step, so a Will stored meanwhile (which adds the id again first)
 * is never left unindexed. Returns 1 when the id was removed.
 */
const FORGET_IF_EMPTY_LUA = `
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.call('SREM', KEYS[1], ARGV[1]) end
return 0
`;

// JSON with the payload in base64: the package's msgpack is not a dependency of ours.
const encode = (p: WillPacket) => JSON.stringify({ ...p, payload: Buffer.from(p.payload).toString('base64') });
const decode = (s: string): WillPacket => {
  const p = JSON.parse(s) as WillPacket;
  return { ...p, payload: Buffer.from(p.payload as string, 'base64') };
};

export interface WillStore {
  putWill(client: ClientRef, packet: WillPacket): Promise<void>;
  getWill(client: ClientRef): Promise<WillPacket | null>;
  delWill(client: ClientRef): Promise<WillPacket | null>;
  streamWill(aliveBrokers?: Record<string, unknown>): AsyncGenerator<WillPacket>;
}

/** `conn` carries the cluster's key prefix; `brokerId()` is this gateway's aedes id (known once aedes has set the persistence up). */
export function createWillStore(conn: Redis, brokerId: () => string): WillStore {
  const r = conn as Redis & { forgetWillBrokerIfEmpty(set: string, hash: string, id: string): Promise<number> };
  r.defineCommand('forgetWillBrokerIfEmpty', { numberOfKeys: 2, lua: FORGET_IF_EMPTY_LUA });
  return {
    async putWill(client, packet) {
      const id = brokerId();
      packet.clientId = client.id;
      packet.brokerId = id;
      await conn.multi().sadd(BROKERS, id).hset(willsOf(id), client.id, encode(packet)).exec();
    },

    async getWill(client) {
      const s = await conn.hget(willsOf(brokerId()), client.id);
      return s ? decode(s) : null;
    },

    async delWill(client) {
      // aedes' connect (handlers/connect.js storeWill) calls delWill(client) with its Client, which
      // has no brokerId: the package then looks up `will:undefined:{id}`, which never exists.
      // Answered the same without asking Redis; a Will of this gateway is replaced by putWill.
      if (!client.brokerId) return null;
      const res = await conn.multi().hget(willsOf(client.brokerId), client.id).hdel(willsOf(client.brokerId), client.id).exec();
      const s = res?.[0]?.[1] as string | null | undefined;
      return s ? decode(s) : null;
    },

    async *streamWill(alive) {
      for (const id of await conn.smembers(BROKERS)) {
        if (alive?.[id]) continue;
        let cursor = '0';
        do {
          const [next, flat] = await conn.hscan(willsOf(id), cursor, 'COUNT', 500);
          cursor = next;
          for (let i = 1; i < flat.length; i += 2) yield decode(flat[i]!);
        } while (cursor !== '0');
        await r.forgetWillBrokerIfEmpty(BROKERS, willsOf(id), id);
      }
    },
  };
}

/** Replaces the Will methods of an aedes-persistence-redis instance (they live on its async core, which its callback layer calls). */
export function keepWillsByClient(persistence: { asyncPersistence: object; broker?: { id: string } }, conn: Redis): WillStore {
  const store = createWillStore(conn, () => {
    const id = persistence.broker?.id;
    if (!id) throw new Error('aedes persistence used before setup: no broker id yet');
    return id;
  });
  Object.assign(persistence.asyncPersistence, store);
  return store;
}
