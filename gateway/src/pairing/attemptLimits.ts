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

export function createAttemptLimits(redis: Redis, opts: AttemptLimitOptions) {
  const keysFor = (who: { address?: string; uid?: string }) =>
    [who.address && `${opts.prefix}fail:addr:${who.address}`, who.uid && `${opts.prefix}fail:uid:${who.uid}`].filter(
      (k): k is string => Boolean(k),
    );

  return {
    /** Refuses before any code is looked at when the address or the person used up their failures. */
    async check(who: { address?: string; uid?: string }): Promise<LimitVerdict> {
      for (const key of keysFor(who)) {
        const count = Number((await redis.get(key)) ?? 0);
        if (count >= opts.maxFailures) {
          const ttl = await redis.ttl(key);
          return { allowed: false, retryAfterS: ttl > 0 ? ttl : opts.windowS };
        }
      }
      return { allowed: true, retryAfterS: 0 };
    },

    async fail(who: { address?: string; uid?: string }): Promise<void> {
      const tx = redis.multi();
      for (const key of keysFor(who)) tx.incr(key).expire(key, opts.windowS, 'NX');
      await tx.exec();
    },
  };
}

export type AttemptLimits = ReturnType<typeof createAttemptLimits>;
