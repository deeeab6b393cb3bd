/**
 * Who a sessionId belongs to, and whether its owner deleted it (DESIGN.md "Names and identities":
 * a sessionId already stored for another person or mirror is a conflict, refused, never dropped).
 * Claimed atomically in Redis when a session is first queued; MySQL (session rows, tombstones) is
 * asked too when Redis has no claim, so a flushed Redis or an expired claim changes nothing.
 * Also the per-mirror list of sessions whose `stored` ack is still owed (pendingAcks).
 */
import { sessionIdRecords, type Queryable, type SessionIdRecord } from '@pose-coach/cloud-sync';
import { connectRedis, createPipelined, execPipeline } from '../redis.ts';
import { createBatcher } from './batcher.ts';
import type { Logger } from '../log.ts';

/** Claims outlive any mirror's outbox retries by far; MySQL answers for older ones. */
const CLAIM_TTL_S = 180 * 24 * 3600;

// KEYS[1] claim hash. ARGV: uid, deviceId ('' for an API post), ttl s.
// Returns {'ok'} | {'conflict', uid} | {'deleted', deletedAt}. A claim's device is only compared
// when both sides name one: the owner's own API re-post of a mirror's session is the same session.
const CLAIM_LUA = `
local owner = redis.call('HMGET', KEYS[1], 'uid', 'deviceId', 'deletedAt')
if owner[1] then
  if owner[1] ~= ARGV[1] or (owner[2] and owner[2] ~= '' and ARGV[2] ~= '' and owner[2] ~= ARGV[2]) then
    return {'conflict', owner[1]}
  end
  if owner[3] then return {'deleted', owner[3]} end
  if (not owner[2] or owner[2] == '') and ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'deviceId', ARGV[2]) end
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
  return {'ok'}
end
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'deviceId', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {'new'}`;

// KEYS[1] owed acks of a mirror. ARGV[1]: sessionId. Removes the session's entry, whoever it was for.
const ACK_DELIVERED_LUA = `
local prefix = ARGV[1] .. ' '
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then redis.call('ZREM', KEYS[1], m) end
end
return 0`;

/** The scripts, sent by SHA once Redis has them (ioredis defineCommand). */
interface ClaimCommands {
  poseClaim(key: string, uid: string, deviceId: string, ttlS: number): Promise<[string, string?]>;
  poseAckDelivered(key: string, sessionId: string): Promise<number>;
}

/** `firstSeen`: neither Redis nor MySQL knew this id, so no store can hold it yet. */
export type ClaimResult = { kind: 'ok'; firstSeen?: boolean } | { kind: 'conflict' } | { kind: 'deleted'; deletedAt: string };

export function createSessionClaims(redisUrl: string, prefix: string, db: Queryable, log?: Logger, opts: { batchMax?: number } = {}) {
  // No offline queue: with Redis down a claim fails at once, so nothing is acked (the mirror keeps
  // the session) instead of waiting on reconnects.
  // Not auto-pipelined: with the connection cut, an auto-pipelined command was seen to wait for the
  // reconnect instead of failing at once (redisOutage.test), so nothing could be answered 503.
  const batchMax = opts.batchMax ?? 100;
  const redis = connectRedis(redisUrl, { enableOfflineQueue: false }, log);
  redis.defineCommand('poseClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
  redis.defineCommand('poseAckDelivered', { numberOfKeys: 1, lua: ACK_DELIVERED_LUA });
  // New claims arriving together are checked against MySQL in one query.
  const records = createBatcher(
    async (ids: string[]) => {
      const found = await sessionIdRecords(db, ids);
      return ids.map((id): PromiseSettledResult<SessionIdRecord> => ({ status: 'fulfilled', value: found.get(id) ?? {} }));
    },
    { maxBatch: batchMax, maxInFlight: 2 },
  );
  const claimKey = (sessionId: string) => `${prefix}:session-claim:${sessionId}`;
  const acksKey = (deviceId: string) => `${prefix}:acks-owed:${deviceId}`;
  // Claims, owed acks and delivered acks of sessions arriving together: one pipeline each.
  const as = (p: unknown) => p as ClaimCommands;
  const claimCalls = createPipelined(redis, (p, c: { sessionId: string; uid: string; deviceId: string }) => void as(p).poseClaim(claimKey(c.sessionId), c.uid, c.deviceId, CLAIM_TTL_S), batchMax);
  const owedCalls = createPipelined(redis, (p, o: { deviceId: string; member: string }) => void p.zadd(acksKey(o.deviceId), Date.now(), o.member), batchMax);
  const deliveredCalls = createPipelined(redis, (p, d: { deviceId: string; sessionId: string }) => void as(p).poseAckDelivered(acksKey(d.deviceId), d.sessionId), batchMax);
  /** Waits (up to 2 s) for the connection, so a command right after start-up or a reconnect is not refused. */
  const ready = (): Promise<void> =>
    redis.status === 'ready'
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(done, 2000);
          function done() {
            clearTimeout(timer);
            redis.off('ready', done);
            resolve();
          }
          redis.once('ready', done);
        });

  async function areDeleted(sessionIds: string[]): Promise<boolean[]> {
    if (sessionIds.length === 0) return [];
    await ready();
    const pipeline = redis.pipeline();
    for (const id of sessionIds) pipeline.hexists(claimKey(id), 'deletedAt');
    return (await execPipeline(pipeline)).map((answer) => answer === 1);
  }

  /** MySQL's word on a session Redis has no claim for: a row of someone else, or a tombstone. Best effort. */
  async function fromMysql(sessionId: string, uid: string, deviceId: string | undefined): Promise<ClaimResult> {
    try {
      const { tombstone: tomb, row } = await records.add(sessionId);
      if (tomb) return tomb.uid === uid ? { kind: 'deleted', deletedAt: tomb.deletedAt } : { kind: 'conflict' };
      if (row && (row.uid !== uid || (row.deviceId && deviceId && row.deviceId !== deviceId))) return { kind: 'conflict' };
      return row ? { kind: 'ok' } : { kind: 'ok', firstSeen: true };
    } catch (err) {
      // MySQL down: the Redis claim just made decides; reconcile finds anything this missed.
      log?.warn({ err: (err as Error).message, sessionId }, 'claim not checked against MySQL (unreachable)');
    }
    return { kind: 'ok' };
  }

  return {
    /** Claims `sessionId` for (uid, deviceId), or says why it cannot be stored for them. */
    async claim(sessionId: string, uid: string, deviceId?: string): Promise<ClaimResult> {
      await ready();
      const [kind, detail] = (await claimCalls.add({ sessionId, uid, deviceId: deviceId ?? '' })) as [string, string?];
      if (kind === 'conflict') return { kind: 'conflict' };
      if (kind === 'deleted') return { kind: 'deleted', deletedAt: detail ?? '' };
      if (kind === 'new') {
        const checked = await fromMysql(sessionId, uid, deviceId);
        if (checked.kind !== 'ok') {
          // Keep what MySQL said in the claim, so the next retry is answered from Redis alone.
          if (checked.kind === 'deleted') await redis.hset(claimKey(sessionId), 'deletedAt', checked.deletedAt);
          else await redis.del(claimKey(sessionId));
        }
        return checked;
      }
      return { kind: 'ok' };
    },
    /** Marks the session deleted by its owner (the MySQL tombstone is written by the caller). */
    async markDeleted(sessionId: string, uid: string): Promise<void> {
      await ready();
      await redis
        .multi()
        .hsetnx(claimKey(sessionId), 'uid', uid)
        .hset(claimKey(sessionId), 'deletedAt', new Date().toISOString())
        .expire(claimKey(sessionId), CLAIM_TTL_S)
        .exec();
    },
    async isDeleted(sessionId: string): Promise<boolean> {
      return (await areDeleted([sessionId]))[0]!;
    },
    /** isDeleted for several sessions in one pipeline; one answer per session, in order. */
    areDeleted,

    /** Remembers that `deviceId` is owed a `stored` ack for the session (kept until it is sent). */
    async oweAck(deviceId: string, sessionId: string, uid: string): Promise<void> {
      await ready();
      await owedCalls.add({ deviceId, member: `${sessionId} ${uid}` });
    },
    async acksOwed(deviceId: string, olderThanMs = 0): Promise<{ sessionId: string; uid: string }[]> {
      await ready();
      const members = await redis.zrangebyscore(acksKey(deviceId), '-inf', Date.now() - olderThanMs, 'LIMIT', 0, 1000);
      return members.map((m) => {
        const space = m.indexOf(' ');
        return { sessionId: m.slice(0, space), uid: m.slice(space + 1) };
      });
    },
    async ackSent(deviceId: string, sessionId: string, uid: string): Promise<void> {
      await ready();
      await redis.zrem(acksKey(deviceId), `${sessionId} ${uid}`);
    },
    /** The mirror acknowledged (PUBACK) the `stored` ack of `sessionId`: whoever it was for, it is no longer owed. */
    async ackDelivered(deviceId: string, sessionId: string): Promise<void> {
      await ready();
      await deliveredCalls.add({ deviceId, sessionId });
    },
    async close(): Promise<void> {
      redis.disconnect();
    },
  };
}

export type SessionClaims = ReturnType<typeof createSessionClaims>;
