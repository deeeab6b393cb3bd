import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { topicFor, type SessionAck } from '@pose-coach/protocol';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';

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
