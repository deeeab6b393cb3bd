/**
 * One gateway of a cluster at a time does a job (drives the rollouts): it holds a Redis key with
 * a time to live and renews it well before it runs out. A holder that dies stops renewing and
 * another gateway takes the key once it has expired; one that shuts down cleanly gives it back,
 * and another takes it at its next try. A holder that cannot renew in time (Redis away, the
 * process stalled) stops the job before its key can run out, so two never hold it at once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

// KEYS[1] the lease; ARGV[1] holder id, ARGV[2] ttl ms. 1 if still held by ARGV[1] (and renewed).
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
// KEYS[1] the lease; ARGV[1] holder id. Deleted only by its holder.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface LeaderLeaseOptions {
  redis: Redis;
  key: string;
  /** How long the key lives without a renewal: how soon a dead holder's job is taken over. */
  ttlMs: number;
  /** How often the holder renews and the others try to take it (well under ttlMs). */
  everyMs: number;
  log: Logger;
  /** Called when this gateway starts holding the lease. */
  onGained(): void;
  /** Called when it stops holding it (lost, or given back at close). */
  onLost(): void;
}

export function createLeaderLease(opts: LeaderLeaseOptions) {
  const me = randomUUID();
  let leading = false;
  let closed = false;
  /** Until when the lease is surely ours: the renewal's start plus the ttl. */
  let heldUntil = 0;
  let timer: NodeJS.Timeout | undefined;

  function setLeading(now: boolean): void {
    if (now === leading) return;
    leading = now;
    opts.log.info({ key: opts.key, holder: me }, now ? 'lease taken: this gateway does the job' : 'lease let go: another gateway does the job');
    if (now) opts.onGained();
    else opts.onLost();
  }

  async function tick(): Promise<void> {
    const started = Date.now();
    try {
      const held = leading
        ? (await opts.redis.eval(RENEW_LUA, 1, opts.key, me, opts.ttlMs)) === 1
        : (await opts.redis.set(opts.key, me, 'PX', opts.ttlMs, 'NX')) === 'OK';
      if (closed) return;
      if (held) heldUntil = started + opts.ttlMs;
      setLeading(held);
    } catch (err) {
      opts.log.warn({ key: opts.key, err: (err as Error).message }, 'lease not renewed (Redis unreachable)');
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      void tick().finally(() => {
        // Past the time the key surely lived: another gateway may hold it now.
        if (leading && Date.now() >= heldUntil - opts.everyMs) setLeading(false);
        if (!closed) schedule();
      });
    }, opts.everyMs);
    timer.unref();
  }

  return {
    /** Tries once at once, then keeps trying or renewing every `everyMs`. */
    async start(): Promise<void> {
      await tick();
      schedule();
    },
    isLeader: () => leading && Date.now() < heldUntil,
    /** Stops trying, and gives the lease back so another gateway takes it at its next try. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      if (leading) {
        setLeading(false);
        await opts.redis.eval(RELEASE_LUA, 1, opts.key, me).catch(() => undefined);
      }
    },
  };
}

export type LeaderLease = ReturnType<typeof createLeaderLease>;
