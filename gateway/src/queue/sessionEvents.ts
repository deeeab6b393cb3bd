/**
 * "Session stored in every store" events over Redis pub/sub, so the process that owns the MQTT
 * broker (and the API waiting on a POST) hears about writes finished by workers in any process.
 */
import { connectRedis } from '../redis.ts';
import type { Logger } from '../log.ts';

export interface SessionStoredEvent {
  sessionId: string;
  uid: string;
  deviceId?: string;
  motivationalFeedback: string;
}

/** Told the events of one message together, so a listener can answer them together. */
type Listener = (events: SessionStoredEvent[]) => void;

export function createSessionEvents(redisUrl: string, prefix: string, log?: Logger) {
  const channel = `${prefix}:session-stored`;
  const pub = connectRedis(redisUrl, { lazyConnect: true }, log);
  const sub = connectRedis(redisUrl, { lazyConnect: true });
  const listeners = new Set<Listener>();
  const waiters = new Map<string, Set<(e: SessionStoredEvent) => void>>();

  // A message is one event, or the events of one batch (an array): one publish per batch.
  sub.on('message', (_channel: string, message: string) => {
    let events: SessionStoredEvent[];
    try {
      const parsed = JSON.parse(message) as SessionStoredEvent | SessionStoredEvent[];
      events = Array.isArray(parsed) ? parsed : [parsed];
    } catch (err) {
      log?.warn({ err: (err as Error).message, message: message.slice(0, 100) }, 'stored event not JSON: ignored');
      return;
    }
    for (const l of listeners) l(events);
    for (const event of events) {
      const w = waiters.get(event.sessionId);
      if (!w) continue;
      waiters.delete(event.sessionId);
      for (const resolve of w) resolve(event);
    }
  });

  return {
    async start(): Promise<void> {
      await Promise.all([pub.connect(), sub.connect()]);
      await sub.subscribe(channel);
    },
    /** Announces sessions now in every store, in one message. */
    async publishMany(events: SessionStoredEvent[]): Promise<void> {
      if (events.length > 0) await pub.publish(channel, JSON.stringify(events));
    },
    onStored(listener: Listener): void {
      listeners.add(listener);
    },
    /** Resolves with the event, or undefined after `timeoutMs` or once `signal` aborts. */
    waitFor(sessionId: string, timeoutMs: number, signal?: AbortSignal): Promise<SessionStoredEvent | undefined> {
      return new Promise((resolve) => {
        const set = waiters.get(sessionId) ?? new Set();
        waiters.set(sessionId, set);
        const done = (e: SessionStoredEvent | undefined) => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0 && waiters.get(sessionId) === set) waiters.delete(sessionId);
          resolve(e);
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        set.add(done);
        signal?.addEventListener('abort', () => done(undefined), { once: true });
      });
    },
    async close(): Promise<void> {
      sub.disconnect();
      pub.disconnect();
    },
  };
}

export type SessionEvents = ReturnType<typeof createSessionEvents>;
