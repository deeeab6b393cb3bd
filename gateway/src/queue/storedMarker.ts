/** Remembers, per session, which stores hold it, so "stored everywhere" is known exactly once. */
import { connectRedis, execPipeline } from '../redis.ts';
import type { Logger } from '../log.ts';
import { STORES, type StoreName } from './storeQueues.ts';

const TTL_S = 7 * 24 * 3600;

// KEYS[1] = set of stores written; ARGV[1] = store, ARGV[2] = number of stores, ARGV[3] = ttl s.
// Returns 1 only to the call that completes the set, so one worker alone sends the "stored"
// event even when both stores finish at the same moment.
const MARK_STORED_LUA = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
if added == 1 and redis.call('SCARD', KEYS[1]) == tonumber(ARGV[2]) then return 1 end
return 0`;

export function createStoredMarker(redisUrl: string, prefix: string, log?: Logger) {
  const redis = connectRedis(redisUrl, { lazyConnect: true }, log);
  // Sent by SHA once Redis has it, not as the script's text per session.
  redis.defineCommand('poseMarkStored', { numberOfKeys: 1, lua: MARK_STORED_LUA });
  const key = (sessionId: string) => `${prefix}:stored-in:${sessionId}`;
  return {
    /** Records that `store` holds these sessions, in one pipeline; per session, true when this completed its set of stores. */
    async markMany(sessionIds: string[], store: StoreName): Promise<boolean[]> {
      if (sessionIds.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of sessionIds) (pipeline as unknown as { poseMarkStored(...args: unknown[]): void }).poseMarkStored(key(id), store, STORES.length, TTL_S);
      return (await execPipeline(pipeline)).map((answer) => answer === 1);
    },
    async isComplete(sessionId: string): Promise<boolean> {
      return (await redis.scard(key(sessionId))) === STORES.length;
    },
    async close(): Promise<void> {
      redis.disconnect();
    },
  };
}

export type StoredMarker = ReturnType<typeof createStoredMarker>;
