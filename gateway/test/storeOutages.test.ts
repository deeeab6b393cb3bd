import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { listDeadLetters, replayDeadLetters } from '../src/index.ts';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.ts';

// MySQL is reached through a loopback proxy the test can cut, so "MySQL unreachable" is a real
// network failure for the gateway while the shared MariaDB keeps running.
describe('when MySQL is unreachable', () => {
  let t: TestGateway;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 3306);
    t = await startTestGateway({ STORE_ATTEMPTS: 4, STORE_BACKOFF_MS: 300 }, {
      mysqlUrl: (url) => url.replace('127.0.0.1:3306', `127.0.0.1:${proxy.port}`),
    });
  });
  afterAll(async () => {
    await t?.stop();
    await proxy?.close();
  });

  const rowCount = async (sessionId: string) =>
    (await t.db.pool.query<RowDataPacket[]>('SELECT id FROM workout_sessions WHERE session_id = ?', [sessionId]))[0].length;
  const docExists = async (uid: string, sessionId: string) =>
    (await t.gateway.firestore.doc(`users/${uid}/workoutSessions/${sessionId}`).get()).exists;

  it('Firestore still gets the session at once and MySQL catches up when it returns', async () => {
    const { deviceId, secret, uid } = await t.provision();
    const client = await t.connect(deviceId, secret);
    // A mirror that has been working normally (the gateway knows its pairing), then MySQL goes away.
    expect((await t.publishSession(client, deviceId, makeSession())).at(-1)!.status).toBe('stored');
    proxy.block();
    const session = makeSession();
    const acks = await t.publishSession(client, deviceId, session, (a) => a.status === 'queued');
    expect(acks[0]!.status).toBe('queued'); // queued in Redis is enough for the mirror to let go
    await expect.poll(() => docExists(uid, session.sessionId), { timeout: 10_000 }).toBe(true);
    expect(await rowCount(session.sessionId)).toBe(0);
    await expect.poll(async () => (await t.gateway.queues.queues.mysql.getJob(session.sessionId))?.attemptsMade ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);

    const stored = new Promise<string>((resolve) =>
      client.on('message', (_topic, payload) => {
        const ack = JSON.parse(payload.toString());
        if (ack.sessionId === session.sessionId && ack.status === 'stored') resolve(ack.status);
      }),
    );
    proxy.unblock();
    await expect.poll(() => rowCount(session.sessionId), { timeout: 20_000 }).toBe(1);
    expect(await stored).toBe('stored');
  });

  it('a write that uses up its attempts is dead-lettered, listed, and written on replay', async () => {
    const { deviceId, secret, uid } = await t.provision();
    const client = await t.connect(deviceId, secret);
    expect((await t.publishSession(client, deviceId, makeSession())).at(-1)!.status).toBe('stored');
    proxy.block();
    const session = makeSession();
    await t.publishSession(client, deviceId, session, (a) => a.status === 'queued');
    await expect
      .poll(async () => (await listDeadLetters(t.gateway.queues)).map((d) => d.sessionId), { timeout: 20_000, interval: 250 })
      .toContain(session.sessionId);
    const [dead] = (await listDeadLetters(t.gateway.queues)).filter((d) => d.sessionId === session.sessionId);
    expect(dead).toMatchObject({ store: 'mysql', uid, attempts: 4 });
    expect(await docExists(uid, session.sessionId)).toBe(true);
    const metrics = await t.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/pose_coach_sessions_dead_lettered_total\{store="mysql"\} [1-9]/);

    proxy.unblock();
    expect(await replayDeadLetters(t.gateway.queues, session.sessionId)).toBe(1);
    await expect.poll(() => rowCount(session.sessionId), { timeout: 15_000 }).toBe(1);
    expect(await listDeadLetters(t.gateway.queues)).toEqual([]);
  });
});
