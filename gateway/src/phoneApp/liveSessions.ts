/**
 * Live updates for open phones, as Firestore snapshot listeners gave the original app: a
 * server-sent event stream per signed-in phone, fed by the "stored in every store" events (Redis
 * pub/sub, so workers in any process reach every gateway process). Each event carries the session
 * as the phone's reads return it, with its motivational feedback. Deletes and movement names made
 * through this gateway process are passed on too (`deleted`, `updated`).
 */
import type { ServerResponse } from 'node:http';
import type { SessionRepository, WorkoutSessionRecord } from '@pose-coach/cloud-sync';
import type { Logger } from '../log.ts';
import type { SessionEvents, SessionStoredEvent } from '../queue/sessionEvents.ts';

export interface LiveSessionEvent {
  session: WorkoutSessionRecord;
  motivationalFeedback: string;
}

const HEARTBEAT_MS = 20_000; // under common proxies' 30-60 s idle timeouts

export function createLiveSessions(deps: { events: SessionEvents; reads: SessionRepository; log: Logger }) {
  const streams = new Map<string, Set<ServerResponse>>();

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  async function deliver(e: SessionStoredEvent): Promise<void> {
    const open = streams.get(e.uid);
    if (!open?.size) return;
    const session = await deps.reads.get(e.uid, e.sessionId);
    if (!session) return; // deleted meanwhile
    const event: LiveSessionEvent = { session, motivationalFeedback: e.motivationalFeedback };
    for (const res of open) send(res, 'session', event);
  }

  deps.events.onStored((events) => {
    for (const e of events) deliver(e).catch((err: Error) => deps.log.warn({ err: err.message, sessionId: e.sessionId }, 'live session not sent'));
  });

  const heartbeat = setInterval(() => {
    for (const set of streams.values()) for (const res of set) res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    /** Takes over `res` as an event stream for `uid` until the phone goes away. */
    open(uid: string, res: ServerResponse): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx and similar proxies would otherwise hold the events back
      });
      const set = streams.get(uid) ?? new Set();
      streams.set(uid, set);
      set.add(res);
      send(res, 'ready', { at: new Date().toISOString() });
      res.on('close', () => {
        set.delete(res);
        if (set.size === 0 && streams.get(uid) === set) streams.delete(uid);
      });
    },
    /** A session of `uid` was deleted or changed by one of their phones: their other phones follow. */
    removed(uid: string, sessionId: string): void {
      for (const res of streams.get(uid) ?? []) send(res, 'deleted', { sessionId });
    },
    updated(uid: string, session: WorkoutSessionRecord): void {
      for (const res of streams.get(uid) ?? []) send(res, 'updated', { session });
    },
    /** Ends every stream of `uid` (their account is gone), or of everyone. */
    end(uid?: string): void {
      for (const [who, set] of streams) if (uid === undefined || who === uid) for (const res of set) res.end();
    },
    count: () => [...streams.values()].reduce((n, s) => n + s.size, 0),
    close(): void {
      clearInterval(heartbeat);
      this.end();
    },
  };
}

export type LiveSessions = ReturnType<typeof createLiveSessions>;
