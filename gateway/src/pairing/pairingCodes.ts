/**
 * Pending pairings in Redis, each under two keys with a TTL:
 *   {prefix}code:{USERCODE}  → deviceId, device-code hash, expiresAt, state, attempts
 *   {prefix}poll:{sha256(device code)} → deviceId, userCode, expiresAt, interval, lastPollAt, state, outcome
 * The device code itself is never stored. Keys outlive their code by `graceS` so that a late
 * claim hears "expired" or "used" rather than "no such code", and a late poll hears expired_token.
 * State changes that race (two phones claiming one code, a mirror polling fast) are Lua scripts,
 * so each is atomic in Redis.
 */
import type { Redis } from 'ioredis';
import { hashDeviceCode, newDeviceCode, newUserCode } from './userCode.ts';

export type ClaimOutcome =
  | { kind: 'ok'; deviceId: string }
  | { kind: 'unknown' | 'expired' | 'used' | 'denied' | 'locked' | 'busy' };

export type PollOutcome =
  | { kind: 'pending' | 'slow_down'; interval: number }
  | { kind: 'approved'; displayName: string; pairingId: string }
  | { kind: 'denied' | 'expired' | 'invalid' };

/**
 * Claim: KEYS[1] code key. ARGV: now (ms), max attempts per code.
 * Returns {outcome, deviceId?}. Every claim counts against the code; a pending code moves to
 * `claiming` (no second phone can take it while the first one's pairing is written).
 */
const CLAIM_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local h = redis.call('HMGET', KEYS[1], 'deviceId', 'expiresAt', 'state')
if h[3] == 'used' then return {'used'} end
if h[3] == 'denied' then return {'denied'} end
if h[3] == 'claiming' then return {'busy'} end
if tonumber(h[2]) <= tonumber(ARGV[1]) then return {'expired'} end
if attempts > tonumber(ARGV[2]) then return {'locked'} end
redis.call('HSET', KEYS[1], 'state', 'claiming')
return {'ok', h[1]}
`;

/**
 * Poll (RFC 8628 §3.4/3.5): KEYS[1] poll key. ARGV: now (ms), deviceId, slow-down step (s).
 * A poll sooner than the interval (10% leeway for timers) answers slow_down and raises the
 * interval for the rest of this code's life.
 */
const POLL_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
local h = redis.call('HMGET', KEYS[1], 'deviceId', 'expiresAt', 'interval', 'lastPollAt', 'state', 'displayName', 'pairingId')
if h[1] ~= ARGV[2] then return {'invalid'} end
if h[5] == 'approved' then return {'approved', h[6], h[7]} end
if h[5] == 'denied' then return {'denied'} end
local now = tonumber(ARGV[1])
if tonumber(h[2]) <= now then return {'expired'} end
local interval = tonumber(h[3])
redis.call('HSET', KEYS[1], 'lastPollAt', now)
if h[4] and (now - tonumber(h[4])) < interval * 900 then
  interval = interval + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'interval', interval)
  return {'slow_down', tostring(interval)}
end
return {'pending', tostring(interval)}
`;

/** Finish: KEYS[1] code key, KEYS[2] poll key. ARGV: state (used|denied|pending), displayName, pairingId. */
const FINISH_LUA = `
if ARGV[1] == 'pending' then
  redis.call('HSET', KEYS[1], 'state', 'pending')
  return 1
end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  if ARGV[1] == 'used' then
    redis.call('HSET', KEYS[2], 'state', 'approved', 'displayName', ARGV[2], 'pairingId', ARGV[3])
  else
    redis.call('HSET', KEYS[2], 'state', 'denied')
  end
end
return 1
`;

export interface PairingCodesOptions {
  prefix: string;
  ttlS: number;
  intervalS: number;
  maxAttemptsPerCode: number;
  /** How long a finished or expired code is remembered, to answer it clearly. */
  graceS?: number;
  /** Milliseconds since the epoch (default Date.now): tests move it on instead of waiting out an interval or a code's life. */
  now?: () => number;
}

export interface NewPairing {
  deviceCode: string;
  userCode: string;
  expiresAt: number;
}

type Scripted = Redis & {
  pairingClaim(key: string, now: number, maxAttempts: number): Promise<string[]>;
  pairingPoll(key: string, now: number, deviceId: string, step: number): Promise<string[]>;
  pairingFinish(codeKey: string, pollKey: string, state: string, displayName: string, pairingId: string): Promise<number>;
};

export function createPairingCodes(redis: Redis, opts: PairingCodesOptions) {
  const r = redis as Scripted;
  r.defineCommand('pairingClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
  r.defineCommand('pairingPoll', { numberOfKeys: 1, lua: POLL_LUA });
  r.defineCommand('pairingFinish', { numberOfKeys: 2, lua: FINISH_LUA });
  const grace = opts.graceS ?? 3600;
  const now = opts.now ?? Date.now;
  const codeKey = (userCode: string) => `${opts.prefix}code:${userCode}`;
  const pollKey = (hash: string) => `${opts.prefix}poll:${hash}`;
  const openKey = (deviceId: string) => `${opts.prefix}open:${deviceId}`;

  return {
    /** A new code pair for a mirror; the mirror's previous unfinished code stops working. */
    async create(deviceId: string): Promise<NewPairing> {
      const deviceCode = newDeviceCode();
      const hash = hashDeviceCode(deviceCode);
      const expiresAt = now() + opts.ttlS * 1000;
      const keyTtl = opts.ttlS + grace;
      let userCode = newUserCode();
      // A collision with a live code is ~1 in 10^6 even with thousands pending; draw again if so.
      for (let i = 0; i < 5 && (await redis.exists(codeKey(userCode))); i++) userCode = newUserCode();
      const previous = await redis.get(openKey(deviceId));
      const tx = redis.multi();
      if (previous) tx.hset(codeKey(previous), 'expiresAt', 0); // superseded: answers "expired"
      tx.hset(codeKey(userCode), { deviceId, dch: hash, expiresAt, state: 'pending', attempts: 0 }).expire(codeKey(userCode), keyTtl);
      tx.hset(pollKey(hash), { deviceId, userCode, expiresAt, interval: opts.intervalS, state: 'pending' }).expire(pollKey(hash), keyTtl);
      tx.set(openKey(deviceId), userCode, 'EX', opts.ttlS);
      await tx.exec();
      return { deviceCode, userCode, expiresAt };
    },

    /** What a phone sees before confirming: the mirror behind a live code, or why there is none. */
    /** Counts as an attempt on the code, as a claim does (a page reload is one more look). */
    async peek(userCode: string): Promise<ClaimOutcome> {
      const [deviceId, expiresAt, state] = await redis.hmget(codeKey(userCode), 'deviceId', 'expiresAt', 'state');
      if (!deviceId) return { kind: 'unknown' };
      if (state === 'used' || state === 'claiming') return { kind: 'used' };
      if (state === 'denied') return { kind: 'denied' };
      if (Number(expiresAt) <= now()) return { kind: 'expired' };
      if ((await redis.hincrby(codeKey(userCode), 'attempts', 1)) > opts.maxAttemptsPerCode) return { kind: 'locked' };
      return { kind: 'ok', deviceId };
    },

    async claim(userCode: string): Promise<ClaimOutcome> {
      const [kind, deviceId] = await r.pairingClaim(codeKey(userCode), now(), opts.maxAttemptsPerCode);
      return kind === 'ok' ? { kind: 'ok', deviceId: deviceId! } : { kind: kind as Exclude<ClaimOutcome['kind'], 'ok'> };
    },

    /** After a claim: `used` (paired), `denied` (the person said no) or back to `pending` (pairing failed). */
    async finish(userCode: string, state: 'used' | 'denied' | 'pending', outcome: { displayName?: string; pairingId?: string } = {}): Promise<void> {
      const hash = await redis.hget(codeKey(userCode), 'dch');
      await r.pairingFinish(codeKey(userCode), pollKey(hash ?? 'none'), state, outcome.displayName ?? '', outcome.pairingId ?? '');
      if (state !== 'pending') {
        const deviceId = await redis.hget(codeKey(userCode), 'deviceId');
        if (deviceId && (await redis.get(openKey(deviceId))) === userCode) await redis.del(openKey(deviceId));
      }
    },

    async poll(deviceId: string, deviceCode: string, slowDownStepS = 5): Promise<PollOutcome> {
      const [kind, a, b] = await r.pairingPoll(pollKey(hashDeviceCode(deviceCode)), now(), deviceId, slowDownStepS);
      if (kind === 'pending' || kind === 'slow_down') return { kind, interval: Number(a) };
      if (kind === 'approved') return { kind, displayName: a ?? '', pairingId: b ?? '' };
      return { kind: kind as 'denied' | 'expired' | 'invalid' };
    },
  };
}

export type PairingCodes = ReturnType<typeof createPairingCodes>;
