import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { topicFor, type SessionAck } from '@pose-coach/protocol';
import { Redis } from 'ioredis';
import { REDIS_URL, makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { createSessionEvents } from '../src/queue/sessionEvents.ts';

describe('a burst of sessions from many mirrors at once', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  // Regression: aedes' message queue drained recursively past its concurrency limit and a burst
  // like this one crashed the gateway with a stack overflow.
  it('is stored completely, once each, and the broker keeps serving', async () => {
    const MIRRORS = 20;
    const EACH = 60;
    const mirrors = [];
    for (let i = 0; i < MIRRORS; i++) mirrors.push(await t.provision());
    const clients = await Promise.all(mirrors.map((m) => t.connect(m.deviceId, m.secret)));
    const stored = new Set<string>();
    clients.forEach((c) =>
      c.on('message', (_topic, payload) => {
        const ack = JSON.parse(payload.toString()) as SessionAck;
        if (ack.status === 'stored') stored.add(ack.sessionId);
      }),
    );
    const sent: string[] = [];
    for (let i = 0; i < EACH; i++) {
      mirrors.forEach((m, k) => {
        const s = makeSession();
        sent.push(s.sessionId);
        clients[k]!.publish(topicFor('sessions', m.deviceId), JSON.stringify(s), { qos: 1 });
      });
    }
    await expect.poll(() => stored.size, { timeout: 60_000, interval: 250 }).toBe(MIRRORS * EACH);
    const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS d FROM workout_sessions');
    expect(rows[0]).toMatchObject({ n: MIRRORS * EACH, d: MIRRORS * EACH });
    expect(sent.every((id) => stored.has(id))).toBe(true);
    // Still serving: a new mirror connects and its session is stored.
    const late = await t.provision();
    const client = await t.connect(late.deviceId, late.secret);
    expect((await t.publishSession(client, late.deviceId, makeSession())).at(-1)!.status).toBe('stored');
  });
});

describe('a batch of store writes with one session a store refuses', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ STORE_ATTEMPTS: 2, STORE_BACKOFF_MS: 10 });
  });
  afterAll(async () => t?.stop());

  it('stores the others of its batch in both stores; only that session, and only in that store, is dead-lettered', async () => {
    const uid = `batch-${randomUUID()}`;
    const sessions = Array.from({ length: 30 }, () => ({ ...makeSession(), userId: uid, deviceId: 'mirror-batch' }));
    // Past the gateway's checks (queued directly, as by an older gateway): MySQL's VARCHAR(100) refuses it, Firestore takes it.
    const refused = { ...sessions[15]!, exercise: 'x'.repeat(101) };
    sessions[15] = refused;
    await Promise.all(sessions.map((session) => t.gateway.queues.enqueue({ session, source: 'api', receivedAt: new Date().toISOString() })));
    const good = sessions.filter((s) => s !== refused).map((s) => s.sessionId);
    const rowsOf = async () =>
      Number((await t.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM workout_sessions WHERE user_id = ?', [uid]))[0][0]!.n);
    await expect.poll(rowsOf, { timeout: 20_000, interval: 200 }).toBe(good.length);
    await expect.poll(async () => (await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).get()).size, { timeout: 20_000 }).toBe(30);
    await expect.poll(async () => (await t.gateway.queues.queues.mysql.getFailed()).map((j) => j.id), { timeout: 20_000 }).toEqual([refused.sessionId]);
    expect(await t.gateway.queues.queues.firestore.getFailed()).toEqual([]);
    const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT session_id FROM workout_sessions WHERE user_id = ?', [uid]);
    expect(rows.map((r) => r.session_id).sort()).toEqual([...good].sort());
  }, 60_000);
});

describe('sessions queued together', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  // BullMQ's cost is per job (add, take, finish): a job per session was most of what ingest cost.
  it('become one BullMQ job per store carrying them all, and are announced stored in one message', async () => {
    const uid = `together-${randomUUID()}`;
    const sessions = Array.from({ length: 40 }, () => ({ ...makeSession(), userId: uid, deviceId: 'mirror-together' }));
    const events = createSessionEvents(REDIS_URL, t.prefix);
    await events.start();
    const messages: string[][] = [];
    events.onStored((stored) => messages.push(stored.map((e) => e.sessionId)));
    const redis = new Redis(REDIS_URL);
    const added = async (store: string) =>
      (await redis.xrange(`${t.prefix}:store-${store}:events`, '-', '+')).filter(([, fields]) => fields[1] === 'added').map(([, fields]) => fields[3]!);
    const before = { mysql: (await added('mysql')).length, firestore: (await added('firestore')).length };
    try {
      await Promise.all(sessions.map((session) => t.gateway.queues.enqueue({ session, source: 'api', receivedAt: new Date().toISOString() })));
      await expect.poll(() => messages.flat().length, { timeout: 20_000, interval: 100 }).toBe(40);
      expect(messages.flat().sort()).toEqual(sessions.map((s) => s.sessionId).sort());
      // The first may leave alone (the batcher does not wait for company); the rest leave together.
      expect(messages.length).toBeLessThanOrEqual(2);
      for (const store of ['mysql', 'firestore'] as const) expect((await added(store)).length - before[store]).toBeLessThanOrEqual(2);
      const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM workout_sessions WHERE user_id = ?', [uid]);
      expect(Number(rows[0]!.n)).toBe(40);
    } finally {
      redis.disconnect();
      await events.close();
    }
  }, 60_000);
});
