/**
 * Failed pairing attempts counted per caller address and per person (uid), in fixed Redis windows.
 *
 * Why guessing a user code is hopeless: there are 20^8 ≈ 2.6·10^10 codes (userCode.ts) and a code
 * lives 10 minutes. Even with 10,000 mirrors showing a code at the same moment, one guess hits
 * any of them with p ≈ 4·10^-7. Each guess needs a valid Firebase ID token, and both the address
 * and the account get `maxFailures` (10) wrong codes per 15-minute window: one account or one
 * address makes at most ~1,000 guesses a day, p ≈ 4·10^-4 per day against a fleet of 10,000
 * codes always on display, and every wrong guess is logged. A single code additionally takes
 * at most `maxAttemptsPerCode` (10) looks and claims (pairingCodes.ts) before it stops working,
 * so even a code seen over someone's shoulder cannot be fought over.
 */
import type { Redis } from 'ioredis';

/**
 * Take one attempt: KEYS = the caller's counters (address, person). ARGV: max, window (s).
 * Refuses ({0, ttl}) when any counter is at the limit; otherwise counts the attempt on every
 * counter ({1, 0}). Check and count are one step, so 500 parallel guesses see at most `max`
 * admitted (issue 14: checked and counted separately, 464 of 500 got through a limit of 10).
 */
const TAKE_LUA = `
local max = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= max then
    local ttl = redis.call('TTL', key)
    return {0, ttl}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, tonumber(ARGV[2])) end
end
return {1, 0}
`;

/** Give an attempt back: KEYS = the counters. An attempt that turned out not to be a guess. */
const REFUND_LUA = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1
`;

export interface AttemptLimitOptions {
  prefix: string;
  maxFailures: number;
  windowS: number;
}

export interface LimitVerdict {
  allowed: boolean;
  /** Seconds until the window that refused ends. */
  retryAfterS: number;
}

type Who = { address?: string; uid?: string };
type Scripted = Redis & {
  pairingAttemptTake(n: number, ...keysAndArgs: (string | number)[]): Promise<[number, number]>;
  pairingAttemptRefund(n: number, ...keys: string[]): Promise<number>;
};

export function createAttemptLimits(redis: Redis, opts: AttemptLimitOptions) {
  const r = redis as Scripted;
  r.defineCommand('pairingAttemptTake', { lua: TAKE_LUA });
  r.defineCommand('pairingAttemptRefund', { lua: REFUND_LUA });
  const keysFor = (who: Who) =>
    [who.address && `${opts.prefix}fail:addr:${who.address}`, who.uid && `${opts.prefix}fail:uid:${who.uid}`].filter(
      (k): k is string => Boolean(k),
    );

  return {
    /**
     * Counts an attempt as a failure before any code is looked at, or refuses when the address or
     * the person used up their failures. An attempt that was no guess is given back with `refund`.
     */
    async take(who: Who): Promise<LimitVerdict> {
      const keys = keysFor(who);
      const [allowed, ttl] = await r.pairingAttemptTake(keys.length, ...keys, opts.maxFailures, opts.windowS);
      return allowed ? { allowed: true, retryAfterS: 0 } : { allowed: false, retryAfterS: ttl > 0 ? ttl : opts.windowS };
    },

    async refund(who: Who): Promise<void> {
      const keys = keysFor(who);
      await r.pairingAttemptRefund(keys.length, ...keys);
    },
  };
}

export type AttemptLimits = ReturnType<typeof createAttemptLimits>;
