import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { ensureProfile } from '@pose-coach/cloud-sync';
import { registeredRoutes } from '../src/api/buildApi.ts';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';

describe('the HTTP API for the phone app', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  const api = () => t.gateway.api;
  const auth = async (uid: string) => ({ authorization: `Bearer ${await t.tokens.sign(uid)}` });
  const summary = (uid: string, over: Record<string, unknown> = {}) => ({
    user_id: uid,
    exercise: 'squat',
    reps: 10,
    accuracy: 0.9,
    timestamp: new Date().toISOString(),
    duration: 60,
    feedback_points: ['Great depth'],
    ...over,
  });
  const rows = async (uid: string) =>
    (await t.db.pool.query<RowDataPacket[]>('SELECT * FROM workout_sessions WHERE user_id = ?', [uid]))[0];

  it('POST /api/workout/pose-summary answers as the original backend did and writes both stores', async () => {
    const uid = `u-${randomUUID()}`;
    const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(uid), payload: summary(uid) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, message: 'Workout session saved successfully' });
    expect(body.motivational_feedback).toMatch(/\w{3,}/);
    expect(await rows(uid)).toHaveLength(1);
    const docs = await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).get();
    expect(docs.size).toBe(1);
  });

  it('a re-post of the same workout is still one document and one row', async () => {
    const uid = `u-${randomUUID()}`;
    const payload = summary(uid);
    const first = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(uid), payload });
    const second = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(uid), payload });
    expect(second.statusCode).toBe(200);
    expect(second.json().session_id).toBe(first.json().session_id);
    expect(await rows(uid)).toHaveLength(1);
    expect((await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).get()).size).toBe(1);
  });

  it('refuses a body with a bad field, naming it', async () => {
    const uid = `u-${randomUUID()}`;
    const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(uid), payload: summary(uid, { accuracy: 1.7 }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, message: 'accuracy: must be between 0 and 1' });
    expect(await rows(uid)).toHaveLength(0);
  });

  it('refuses missing, forged, expired, wrong-audience and foreign tokens', async () => {
    const uid = `u-${randomUUID()}`;
    const post = (headers: Record<string, string>) =>
      api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers, payload: summary(uid) });
    expect((await post({})).statusCode).toBe(401);
    expect((await post({ authorization: 'Bearer not.a.jwt' })).statusCode).toBe(401);
    expect((await post({ authorization: `Bearer ${await t.tokens.sign(uid, { key: 'foreign' })}` })).statusCode).toBe(401);
    const expired = await post({ authorization: `Bearer ${await t.tokens.sign(uid, { expiresInS: -60 })}` });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/expired/);
    expect((await post({ authorization: `Bearer ${await t.tokens.sign(uid, { audience: 'another-project' })}` })).statusCode).toBe(401);
    const foreign = await post(await auth('someone-else'));
    expect(foreign.statusCode).toBe(403);
    const foreignRead = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions`, headers: await auth('someone-else') });
    expect(foreignRead.statusCode).toBe(403);
    expect(await rows(uid)).toHaveLength(0);
  });

  it("reads today's, this week's and this month's sessions in the person's time zone, and stats", async () => {
    const uid = `u-${randomUUID()}`;
    const headers = await auth(uid);
    const now = Date.now();
    const days = (n: number) => new Date(now - n * 86_400_000).toISOString();
    for (const [ts, reps] of [[days(0), 10], [days(40), 5], [days(400), 7]] as const) {
      const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers, payload: summary(uid, { timestamp: ts, reps }) });
      expect(res.statusCode).toBe(200);
    }
    const get = async (path: string) => {
      const res = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions${path}`, headers });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    expect((await get('')).sessions).toHaveLength(3);
    expect((await get('/today?tz=UTC')).sessions.map((s: { reps: number }) => s.reps)).toEqual([10]);
    expect((await get('/week?tz=Pacific/Kiritimati')).sessions.length).toBeLessThanOrEqual(1);
    expect((await get('/month?tz=Europe/Berlin')).sessions.map((s: { reps: number }) => s.reps)).toContain(10);
    expect(await get('/stats')).toEqual({ totalSessions: 3, totalReps: 22, averageAccuracy: expect.closeTo(0.9, 5), totalDuration: 180 });
    const bad = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions/today?tz=Mars/Olympus`, headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^tz: /);
  });

  it("uses the profile's time zone when the call names none", async () => {
    const uid = `u-${randomUUID()}`;
    await ensureProfile(t.db.pool, uid, { timeZone: 'Asia/Tokyo' });
    const res = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions/today`, headers: await auth(uid) });
    expect(res.statusCode).toBe(200);
    const { fromIso } = res.json().range;
    // Midnight in Tokyo is 15:00 UTC.
    expect(fromIso).toMatch(/T15:00:00\.000Z$/);
  });

  it('deletes one session from both stores', async () => {
    const uid = `u-${randomUUID()}`;
    const headers = await auth(uid);
    const { session_id } = (await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers, payload: summary(uid) })).json();
    const del = await api().inject({ method: 'DELETE', url: `/api/users/${uid}/workout-sessions/${session_id}`, headers });
    expect(del.statusCode).toBe(200);
    expect(await rows(uid)).toHaveLength(0);
    expect((await t.gateway.firestore.doc(`users/${uid}/workoutSessions/${session_id}`).get()).exists).toBe(false);
    const again = await api().inject({ method: 'DELETE', url: `/api/users/${uid}/workout-sessions/${session_id}`, headers });
    expect(again.statusCode).toBe(404);
  });

  it('serves an OpenAPI document and Prometheus metrics', async () => {
    const doc = (await api().inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/workout/pose-summary');
    expect(doc.paths['/api/workout/pose-summary'].post.requestBody.content['application/json'].schema.required).toContain('user_id');
    const metrics = await api().inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['pose_coach_sessions_received_total', 'pose_coach_sessions_queued_total', 'pose_coach_sessions_stored_total', 'pose_coach_sessions_rejected_total', 'pose_coach_store_retries_total', 'pose_coach_sessions_dead_lettered_total', 'pose_coach_queue_depth', 'pose_coach_connected_devices']) {
      expect(metrics.body).toContain(name);
    }
    expect(metrics.body).toMatch(/pose_coach_sessions_stored_total\{store="firestore"\} [1-9]/);
  });

  it('generates /openapi.json from the routes: every route it serves is there, each with a summary and its documented answers', async () => {
    // A gateway in local sign-in mode with the fleet enabled: every route family registered.
    const local = await startTestGateway({ AUTH_MODE: 'local', FLEET_ADMIN_TOKEN: 'a-fleet-admin-token-for-tests' });
    try {
      const doc = (await local.gateway.api.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { summary?: string; responses?: Record<string, { description?: string }> }>> };
      // Routes as fastify registered them (its own onRoute list, not swagger's), CORS preflights aside.
      const routes = registeredRoutes(local.gateway.api).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
      expect(routes.length).toBeGreaterThan(30);
      const operationOf = ({ method, url }: { method: string; url: string }) => doc.paths[url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\*$/, '{*}')]?.[method.toLowerCase()];
      const missing = routes.filter((r) => !operationOf(r)).map((r) => `${r.method} ${r.url}`);
      expect(missing).toEqual([]);
      // A route without a schema would still be listed, bare: each must say what it does and what it answers.
      const undocumented = routes
        .filter((r) => {
          const op = operationOf(r)!;
          const answers = Object.entries(op.responses ?? {});
          return !op.summary || !answers.some(([code, a]) => /^[23]\d\d$/.test(code) && a.description && a.description !== 'Default Response');
        })
        .map((r) => `${r.method} ${r.url}`);
      expect(undocumented).toEqual([]);
    } finally {
      await local.stop();
    }
  });
});
