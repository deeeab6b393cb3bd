/**
 * Sessions of the simulated athlete: stored, and shown as simulated, by a gateway on the embedded
 * or emulated stores; refused (naming `simulated`) by one writing a production Firestore.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createMysqlSessionRepository } from '@pose-coach/cloud-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storesAreForDevelopment } from '../src/ingest/ingestSession.ts';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';

describe('simulated sessions', () => {
  it('count as development only when Firestore is an emulator', () => {
    expect(storesAreForDevelopment({})).toBe(true); // the in-process emulator
    expect(storesAreForDevelopment({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:8081' })).toBe(true);
    expect(storesAreForDevelopment({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:8081', GOOGLE_APPLICATION_CREDENTIALS: '/sa.json' })).toBe(true);
    expect(storesAreForDevelopment({ GOOGLE_APPLICATION_CREDENTIALS: '/sa.json' })).toBe(false);
  });

  describe('on the embedded stores', () => {
    let t: TestGateway;
    beforeAll(async () => (t = await startTestGateway()), 60_000);
    afterAll(() => t?.stop());

    it('are stored, carry simulated: true in both stores and the API, and real ones carry nothing', async () => {
      const { deviceId, secret, uid } = await t.provision();
      const client = await t.connect(deviceId, secret);
      const simulated = makeSession({ sessionId: crypto.randomUUID(), simulated: true });
      const real = makeSession({ sessionId: crypto.randomUUID() });
      expect((await t.publishSession(client, deviceId, simulated)).map((a) => a.status)).toEqual(['queued', 'stored']);
      expect((await t.publishSession(client, deviceId, real)).map((a) => a.status)).toEqual(['queued', 'stored']);
      expect((await t.gateway.firestore.doc(`users/${uid}/workoutSessions/${simulated.sessionId}`).get()).get('simulated')).toBe(true);
      const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT session_id, simulated FROM workout_sessions WHERE session_id IN (?, ?)', [simulated.sessionId, real.sessionId]);
      expect(Object.fromEntries(rows.map((r) => [r.session_id, r.simulated]))).toEqual({ [simulated.sessionId]: 1, [real.sessionId]: 0 });
      // Read back through MySQL alone (the fallback when Firestore is down), it is still marked.
      expect((await createMysqlSessionRepository(t.db.pool).get(uid, simulated.sessionId))?.simulated).toBe(true);
      const res = await t.gateway.api.inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions`, headers: { authorization: `Bearer ${await t.tokens.sign(uid)}` } });
      const list = res.json().sessions as { sessionId: string; simulated?: boolean }[];
      expect(list.find((s) => s.sessionId === simulated.sessionId)?.simulated).toBe(true);
      expect(list.find((s) => s.sessionId === real.sessionId)?.simulated).toBeUndefined();
      expect((await t.publishSession(client, deviceId, makeSession({ sessionId: crypto.randomUUID(), simulated: false as unknown as true })))[0]).toMatchObject({ status: 'rejected', error: expect.stringMatching(/^simulated:/) });
    });
  });

  describe('on a production Firestore', () => {
    let t: TestGateway;
    // Google credentials without an emulator: the real Firestore (never reached here: the session is refused first).
    beforeAll(async () => (t = await startTestGateway({ GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/service-account.json' })), 60_000);
    afterAll(() => t?.stop());

    it('are refused before they are queued, naming simulated', async () => {
      const { deviceId, secret } = await t.provision();
      const client = await t.connect(deviceId, secret);
      const acks = await t.publishSession(client, deviceId, makeSession({ sessionId: crypto.randomUUID(), simulated: true }));
      expect(acks).toEqual([expect.objectContaining({ status: 'rejected', error: expect.stringMatching(/^simulated: .*production/) })]);
      expect(await t.gateway.queues.counts()).toMatchObject({});
      const metrics = await t.gateway.metrics.registry.metrics();
      expect(metrics).toMatch(/pose_coach_sessions_rejected_total\{reason="simulated"\} 1/);
    });
  });
});
