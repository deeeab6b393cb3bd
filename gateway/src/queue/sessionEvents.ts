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

type Listener = (event: SessionStoredEvent) => void;

export function createSessionEvents(redisUrl: string, prefix: string, log?: Logger) {
  const channel = `${prefix}:session-stored`;
  const pub = connectRedis(redisUrl, { lazyConnect: true }, log);
  const sub = connectRedis(redisUrl, { lazyConnect: true });
  const listeners = new Set<Listener>();
  const waiters = new Map<string, Set<(e: SessionStoredEvent) => void>>();

  sub.on('message', (_channel: string, message: string) => {
    let event: SessionStoredEvent;
    try {
      event = JSON.parse(message) as SessionStoredEvent;
    } catch (err) {
      log?.warn({ err: (err as Error).message, message: message.slice(0, 100) }, 'stored event not JSON: ignored');
      return;
    }
    for (const l of listeners) l(event);
    const w = waiters.get(event.sessionId);
    if (w) {
      waiters.delete(event.sessionId);
      for (const resolve of w) resolve(event);
    }
  });

  return {
    async start(): Promise<void> {
      await Promise.all([pub.connect(), sub.connect()]);
      await sub.subscribe(channel);
    },
    async publish(event: SessionStoredEvent): Promise<void> {
      await pub.publish(channel, JSON.stringify(event));
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
