/**
 * The phone app's calls against a whole gateway (real MariaDB, Redis, Firestore emulator, aedes):
 * each is in /openapi.json and refuses another person's token; stats and days follow the
 * person's time zone; paging skips and repeats nothing; a session from a mirror reaches an open
 * event stream within 2 s; export and deleting everything cover every store.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSession } from '@pose-coach/protocol';
import { periodRange } from '@pose-coach/cloud-sync';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';
import { openEventStream } from './support/eventStream.ts';
import { PHONE_APP_CALLS } from './support/phoneAppCalls.ts';

describe('the phone app API', () => {
  let t: TestGateway;
  let appDir: string;
  beforeAll(async () => {
    appDir = mkdtempSync(join(tmpdir(), 'pc-phone-app-'));
    t = await startTestGateway({ PHONE_APP_DIR: appDir });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(appDir, { recursive: true, force: true });
  });

  const api = () => t.gateway.api;
  const auth = async (uid: string) => ({ authorization: `Bearer ${await t.tokens.sign(uid)}` });
  const store = async (uid: string, over: Partial<StoredSession> = {}) => {
    const s: StoredSession = { ...makeSession(over), userId: uid, ...over };
    await t.gateway.repositories.firestore.save(s);
    await t.gateway.repositories.mysql.save(s);
    return s;
  };
  const get = async (uid: string, url: string, as = uid) => api().inject({ method: 'GET', url, headers: await auth(as) });

  it('serves the built app under /app/ (any path is the page) and says how to build it when it is missing', async () => {
    expect((await api().inject({ url: '/app/' })).json()).toMatchObject({ error: 'APP_NOT_BUILT', message: expect.stringMatching(/npm run app:build/) });
    writeFileSync(join(appDir, 'index.html'), '<!doctype html><title>Pose Coach</title>');
    for (const url of ['/app/', '/app/anything/else']) {
      const res = await api().inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
    }
    expect((await api().inject({ url: '/app/assets/missing.js' })).statusCode).toBe(404);
    expect((await api().inject({ url: '/app/..%2f..%2fpackage.json' })).headers['content-type']).toMatch(/text\/html/);
    expect((await api().inject({ url: '/app/config.json' })).json()).toMatchObject({ projectId: t.tokens.projectId });
  });

  it('lists every call the app makes in /openapi.json, and each refuses a missing token and another person\'s', async () => {
    const doc = (await api().inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    for (const [method, path] of PHONE_APP_CALLS) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths['/app/config.json']?.get).toBeDefined();

    const owner = `u-${randomUUID()}`;
    const { deviceId } = await t.provision(owner);
    const s = await store(owner);
    for (const [method, path] of PHONE_APP_CALLS) {
      const url = path.replace('{uid}', owner).replace('{sessionId}', s.sessionId).replace('{deviceId}', deviceId);
      const payload = method === 'patch' ? { movement: 'Burpees' } : method === 'delete' ? { confirm: 'delete everything' } : undefined;
      const foreign = await api().inject({ method: method.toUpperCase() as 'GET', url, headers: await auth('someone-else'), ...(payload ? { payload } : {}) });
      expect(foreign.statusCode, `${method} ${url}`).toBe(403);
      const anonymous = await api().inject({ method: method.toUpperCase() as 'GET', url });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
    }
    // Nothing was changed by the refused calls.
    expect(await t.gateway.repositories.firestore.get(owner, s.sessionId)).toBeDefined();
    expect((await t.gateway.registry.bindingOf(deviceId))?.uid).toBe(owner);
  });

  it('counts today, this week, this month and reps per day in the person\'s time zone', async () => {
    const uid = `u-${randomUUID()}`;
    // Two sessions 10 minutes either side of midnight in Tokyo (UTC+9, no DST), i.e. of 15:00 UTC:
    // one on Tokyo's today, one on its yesterday, both on the same UTC day.
    const tokyoToday = periodRange('today', 'Asia/Tokyo');
    const start = Date.parse(tokyoToday.fromIso);
    const after = new Date(start + Math.min(10 * 60_000, (Date.now() - start) / 2)).toISOString();
    const before = new Date(start - 10 * 60_000).toISOString();
    await store(uid, { timestamp: before, reps: 7, accuracy: 0.5, duration: 30 });
    await store(uid, { timestamp: after, reps: 5, accuracy: 0.9, duration: 40 });

    const tokyo = (await get(uid, `/api/users/${uid}/summary?tz=Asia/Tokyo`)).json();
    expect(tokyo.timeZone).toBe('Asia/Tokyo');
    expect(tokyo.periods.today).toEqual({ totalSessions: 1, totalReps: 5, averageAccuracy: 0.9, totalDuration: 40 });
    expect(tokyo.periods.all).toEqual({ totalSessions: 2, totalReps: 12, averageAccuracy: 0.7, totalDuration: 70 });
    const utc = (await get(uid, `/api/users/${uid}/summary?tz=UTC`)).json();
    const sameUtcDay = before.slice(0, 10) === new Date().toISOString().slice(0, 10);
    expect(utc.periods.today.totalReps).toBe(sameUtcDay ? 12 : 0);

    const progress = (await get(uid, `/api/users/${uid}/progress?tz=Asia/Tokyo&days=7`)).json();
    expect(progress.days).toHaveLength(7);
    expect(progress.days.at(-1)).toMatchObject({ start: tokyoToday.fromIso, reps: 5, sessions: 1 });
    expect(progress.days.at(-2)).toMatchObject({ reps: 7, sessions: 1 });
    expect(progress.accuracy).toEqual([{ activity: 'squat', points: [{ timestamp: before, accuracy: 0.5 }, { timestamp: after, accuracy: 0.9 }] }]);

    expect((await get(uid, `/api/users/${uid}/summary?tz=Mars/Olympus`)).json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/^tz:/) });
  });

  it('pages through the history newest first, never splitting sessions that share a timestamp', async () => {
    const uid = `u-${randomUUID()}`;
    const base = Date.parse('2026-10-01T10:00:00.000Z');
    const stamps = [0, 1, 2, 2, 2, 3, 4, 5, 6, 7].map((m) => new Date(base + m * 60_000).toISOString());
    for (const timestamp of stamps) await store(uid, { timestamp });
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const page = (await get(uid, `/api/users/${uid}/history?limit=4${before ? `&before=${encodeURIComponent(before)}` : ''}`)).json() as { sessions: StoredSession[]; next: string | null };
      seen.push(...page.sessions.map((s) => s.timestamp));
      before = page.next;
      pages++;
    } while (before && pages < 10);
    expect(seen).toEqual([...stamps].sort().reverse());
    expect(pages).toBe(3);
  });

  it('shows one session with its stores and feedback, and names the movement of an "other" session only', async () => {
    const uid = `u-${randomUUID()}`;
    const other = await store(uid, { exercise: 'other', reps: 9 });
    const squat = await store(uid);
    const detail = (await get(uid, `/api/users/${uid}/history/${other.sessionId}`)).json();
    expect(detail).toMatchObject({ session: { sessionId: other.sessionId, reps: 9 }, stores: { firestore: true, mysql: true } });
    expect(detail.motivationalFeedback).toMatch(/\w{3,}/);

    const named = await api().inject({ method: 'PATCH', url: `/api/users/${uid}/history/${other.sessionId}`, headers: await auth(uid), payload: { movement: 'Jumping jacks' } });
    expect(named.json()).toMatchObject({ success: true, session: { exercise: 'other', movement: 'Jumping jacks' } });
    expect((await t.gateway.firestore.doc(`users/${uid}/workoutSessions/${other.sessionId}`).get()).data()).toMatchObject({ exercise: 'other', movement: 'Jumping jacks' });
    const [[row]] = await t.db.pool.query<RowDataPacket[]>('SELECT exercise, movement FROM workout_sessions WHERE session_id = ?', [other.sessionId]);
    expect(row).toMatchObject({ exercise: 'other', movement: 'Jumping jacks' });
    expect((await get(uid, `/api/users/${uid}/progress?tz=UTC`)).json().accuracy.map((a: { activity: string }) => a.activity).sort()).toEqual(['Jumping jacks', 'squat']);

    const refused = await api().inject({ method: 'PATCH', url: `/api/users/${uid}/history/${squat.sessionId}`, headers: await auth(uid), payload: { movement: 'Lunges' } });
    expect(refused.statusCode).toBe(409);
    const empty = await api().inject({ method: 'PATCH', url: `/api/users/${uid}/history/${other.sessionId}`, headers: await auth(uid), payload: { movement: '  ' } });
    expect(empty.json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/^movement/) });
  });

  it('exports every session as JSON and as CSV that a spreadsheet cannot run as a formula', async () => {
    const uid = `u-${randomUUID()}`;
    await store(uid, { feedbackPoints: ['=HYPERLINK("http://x")', 'Knees "out", please'] });
    await store(uid, { exercise: 'lunge' });
    const json = await get(uid, `/api/users/${uid}/export?format=json`);
    expect(json.headers['content-disposition']).toMatch(/^attachment; filename="pose-coach-sessions-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(json.json().sessions).toHaveLength(2);
    const csv = await get(uid, `/api/users/${uid}/export?format=csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('sessionId,timestamp,exercise,movement,reps,accuracy,duration,feedbackPoints,deviceId,createdAt');
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x""); Knees ""out"", please"`);
  });

  it('sends a session a mirror just finished to the person\'s open event stream within 2 s, and nothing to anyone else', async () => {
    const { deviceId, secret, uid } = await t.provision();
    const mine = await openEventStream(`http://127.0.0.1:${t.gateway.httpPort}/api/users/${uid}/live`, await t.tokens.sign(uid));
    const other = await openEventStream(`http://127.0.0.1:${t.gateway.httpPort}/api/users/someone-else/live`, await t.tokens.sign('someone-else'));
    try {
      await mine.next('ready');
      expect((await api().inject({ url: '/metrics' })).body).toMatch(/^pose_coach_phone_live_streams 2$/m);
      const client = await t.connect(deviceId, secret);
      const session = makeSession({ reps: 11 });
      const published = Date.now();
      const arrived = mine.next('session').then((e) => ({ e, at: Date.now() }));
      await t.publishSession(client, deviceId, session);
      const first = await arrived;
      const event = JSON.parse(first.e.data);
      const latencyMs = first.at - published;
      expect(event.session).toMatchObject({ sessionId: session.sessionId, reps: 11, userId: uid, deviceId });
      expect(event.motivationalFeedback).toMatch(/\w{3,}/);
      // Four more, one after another, for the figures.
      const latencies = [latencyMs];
      for (let i = 0; i < 4; i++) {
        const more = makeSession();
        const at = Date.now();
        const next = mine.next('session').then((e) => ({ e, at: Date.now() }));
        await t.publishSession(client, deviceId, more);
        const got = await next;
        expect(JSON.parse(got.e.data).session.sessionId).toBe(more.sessionId);
        latencies.push(got.at - at);
      }
      latencies.sort((a, b) => a - b);
      console.log(`live: mirror publish → phone event, ms: min ${latencies[0]} median ${latencies[2]} max ${latencies[4]}`);
      expect(latencies[4]).toBeLessThan(2000);
      expect(other.events.filter((e) => e.event === 'session')).toEqual([]);

      // Deleted from one phone: the person's open streams follow.
      const deleted = mine.next('deleted');
      expect((await api().inject({ method: 'DELETE', url: `/api/users/${uid}/workout-sessions/${session.sessionId}`, headers: await auth(uid) })).statusCode).toBe(200);
      expect(JSON.parse((await deleted).data)).toEqual({ sessionId: session.sessionId });
      expect(other.events.filter((e) => e.event === 'deleted')).toEqual([]);
    } finally {
      mine.close();
      other.close();
    }
  });

  it('deletes everything of the person only when confirmed: Firestore, MySQL profile, sessions and pairings; the mirror is unpaired', async () => {
    const { deviceId, uid } = await t.provision();
    const bystander = `u-${randomUUID()}`;
    await store(uid);
    await store(uid, { exercise: 'lunge' });
    const kept = await store(bystander);
    await t.gateway.firestore.doc(`users/${uid}/devices/${deviceId}`).set({ deviceId });

    const unconfirmed = await api().inject({ method: 'DELETE', url: `/api/users/${uid}`, headers: await auth(uid), payload: {} });
    expect(unconfirmed.statusCode).toBe(428);
    expect((await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).get()).size).toBe(2);

    const res = await api().inject({ method: 'DELETE', url: `/api/users/${uid}`, headers: await auth(uid), payload: { confirm: 'delete everything' } });
    expect(res.json()).toMatchObject({ success: true, deleted: { mirrorsUnpaired: 1, mysqlSessions: 2 } });
    expect((await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).get()).size).toBe(0);
    expect((await t.gateway.firestore.collection(`users/${uid}/devices`).get()).size).toBe(0);
    const count = async (sql: string) => Number((await t.db.pool.query<RowDataPacket[]>(sql, [uid]))[0][0]!.n);
    expect(await count('SELECT COUNT(*) AS n FROM workout_sessions WHERE user_id = ?')).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM user_health_profiles WHERE userId = ?')).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM device_pairings WHERE user_id = ?')).toBe(0);
    expect(await t.gateway.registry.bindingOf(deviceId)).toBeUndefined();
    // Someone else's data is untouched.
    expect(await t.gateway.repositories.mysql.get(bystander, kept.sessionId)).toBeDefined();
    expect(await t.gateway.repositories.firestore.get(bystander, kept.sessionId)).toBeDefined();
  });
});
