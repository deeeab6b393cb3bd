import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.ts';

// Redis is reached through a loopback proxy the test can cut: the queue is then unreachable, and
// nothing may be acknowledged that was not queued.
describe('when Redis (the queue) is unreachable', () => {
  let t: TestGateway;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 6379);
    t = await startTestGateway({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    proxy?.unblock();
    await t?.stop();
    await proxy?.close();
  });

  it('a phone post gets 503 saying nothing was saved, and a mirror gets no ack so it keeps the session', async () => {
    const uid = `u-${randomUUID()}`;
    const { deviceId, secret } = await t.provision();
    const client = await t.connect(deviceId, secret);
    proxy.block();

    const res = await t.gateway.api.inject({
      method: 'POST',
      url: '/api/workout/pose-summary',
      headers: { authorization: `Bearer ${await t.tokens.sign(uid)}` },
      payload: { user_id: uid, exercise: 'squat', reps: 5, accuracy: 0.8, timestamp: new Date().toISOString(), duration: 30, feedback_points: [] },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ success: false, error: 'STORE_UNAVAILABLE', message: expect.stringMatching(/nothing was saved/) });

    const session = makeSession();
    const acks = await t.publishSession(client, deviceId, session, () => true).catch((e: Error) => e);
    expect(acks).toBeInstanceOf(Error); // no ack of any kind within the wait
    const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT id FROM workout_sessions WHERE session_id = ?', [session.sessionId]);
    expect(rows).toHaveLength(0);

    // Back again: the mirror's retry is queued and stored.
    proxy.unblock();
    await expect
      .poll(async () => (await t.publishSession(client, deviceId, session).catch(() => [])).at(-1)?.status, { timeout: 60_000, interval: 1000 })
      .toBe('stored');
  });
});
