/**
 * Issue 13, defects 1–5 and 9: the gateway accepts only what both stores can hold, refuses a
 * conflicting or deleted session truthfully, and keeps the same numbers in both stores. Against
 * the real MariaDB, Redis, Firestore emulator and aedes.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { MAX_MQTT_PACKET_BYTES, topicFor } from '@pose-coach/protocol';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';

describe('both stores can hold whatever the gateway accepts', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  const rowCount = async (sessionId: string) =>
    (await t.db.pool.query<RowDataPacket[]>('SELECT id FROM workout_sessions WHERE session_id = ?', [sessionId]))[0].length;
  const doc = (uid: string, sessionId: string) => t.gateway.firestore.doc(`users/${uid}/workoutSessions/${sessionId}`).get();
  const auth = async (uid: string) => ({ authorization: `Bearer ${await t.tokens.sign(uid)}` });
  const api = () => t.gateway.api;
  const mirror = async (uid?: string) => {
    const d = await t.provision(uid);
    return { ...d, client: await t.connect(d.deviceId, d.secret) };
  };
  /** The one ack a refused session gets, and proof nothing of it reached either store or the queue. */
  async function refused(m: Awaited<ReturnType<typeof mirror>>, payload: string | object, sessionId: string) {
    const acks = await t.publishSession(m.client, m.deviceId, typeof payload === 'string' ? payload : payload, (a) => a.status !== 'queued' || true);
    expect(acks[0]!.status).toBe('rejected');
    expect(await rowCount(sessionId)).toBe(0);
    expect(await t.gateway.queues.queues.firestore.getJob(sessionId)).toBeUndefined();
    return acks[0]!.error!;
  }

  it('1. refuses a lone UTF-16 surrogate in feedbackPoints, naming the field, and stores it nowhere (nothing to dead-letter)', async () => {
    const m = await mirror();
    const session = makeSession({ feedbackPoints: ['fine', 'broken \ud800 text'] });
    expect(JSON.stringify(session)).toContain('\\ud800'); // what a mirror's JSON.stringify sends
    expect(await refused(m, session, session.sessionId)).toMatch(/^feedbackPoints\.1: must be valid UTF-8 text/);
    expect((await doc(m.uid, session.sessionId)).exists).toBe(false);
    // Bytes that are not UTF-8 at all.
    const notUtf8 = makeSession();
    const bytes = Buffer.concat([Buffer.from(JSON.stringify(notUtf8).slice(0, -1) + ',"model":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const ack = new Promise<{ status: string; error?: string }>((resolve) =>
      m.client.on('message', (_t, p) => {
        const a = JSON.parse(p.toString());
        if (a.sessionId === '' || a.sessionId === notUtf8.sessionId) resolve(a);
      }),
    );
    m.client.publish(topicFor('sessions', m.deviceId), bytes, { qos: 1 });
    expect(await ack).toMatchObject({ status: 'rejected', error: '(payload): is not valid UTF-8' });
    // The API says the same.
    const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: { ...(await auth(m.uid)), 'content-type': 'application/json' }, payload: `{"user_id":"${m.uid}","exercise":"squat","reps":1,"accuracy":0.5,"timestamp":"${new Date().toISOString()}","duration":5,"feedback_points":["\\udc00"]}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^feedback_points\.0: must be valid UTF-8 text/);
  });

  it('2. refuses ids that are not Firestore path segments: a uid with "/" stores nothing in MySQL either, a sessionId of "../.." answers 400, not 500', async () => {
    const m = await mirror('team/alice');
    const session = makeSession();
    expect(await refused(m, session, session.sessionId)).toMatch(/^userId: must not contain "\/"/);
    const post = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth('team/alice'), payload: { user_id: 'team/alice', exercise: 'squat', reps: 1, accuracy: 0.5, timestamp: new Date().toISOString(), duration: 5 } });
    expect(post.statusCode).toBe(400);
    expect(post.json().message).toMatch(/^user_id: must not contain "\/"/);
    const [n] = await t.db.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM workout_sessions WHERE user_id = 'team/alice'");
    expect(n[0]!.n).toBe(0);
    for (const bad of ['..%2F..', '__id__', 'a%2Fb']) {
      const del = await api().inject({ method: 'DELETE', url: `/api/users/u1/workout-sessions/${bad}`, headers: await auth('u1') });
      expect(del.statusCode, bad).toBe(400);
      expect(del.json().message).toMatch(/^sessionId: must not/);
    }
  });

  it('3. refuses a sessionId already stored for another person or another mirror (rejected / 409), never a success answer', async () => {
    const a = await mirror();
    const b = await mirror(); // another person
    const session = makeSession();
    expect((await t.publishSession(a.client, a.deviceId, session)).at(-1)!.status).toBe('stored');
    const stolen = await t.publishSession(b.client, b.deviceId, { ...session, reps: 1 }, () => true);
    expect(stolen[0]).toMatchObject({ status: 'rejected', error: expect.stringMatching(/^sessionId: already used by another person or mirror/) });
    // The same person on a second mirror: also a conflict (DESIGN.md).
    const a2 = await mirror(a.uid);
    expect((await t.publishSession(a2.client, a2.deviceId, { ...session, reps: 2 }, () => true))[0]!.status).toBe('rejected');
    // Person Y posting it from the phone: 409.
    const y = `y-${randomUUID()}`;
    const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(y), payload: { user_id: y, session_id: session.sessionId, exercise: 'squat', reps: 3, accuracy: 0.5, timestamp: session.timestamp, duration: 5 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ success: false, error: 'SESSION_CONFLICT' });
    // A's session is untouched; nothing was stored for B or Y; A's own retry is still fine.
    const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT user_id, reps FROM workout_sessions WHERE session_id = ?', [session.sessionId]);
    expect(rows).toEqual([{ user_id: a.uid, reps: session.reps }]);
    expect((await doc(b.uid, session.sessionId)).exists).toBe(false);
    expect((await doc(y, session.sessionId)).exists).toBe(false);
    expect((await t.publishSession(a.client, a.deviceId, session)).at(-1)!.status).toBe('stored');
  });

  it('4. a deleted session leaves a tombstone: a late mirror retry stores nothing, an explicit re-post answers 410', async () => {
    const m = await mirror();
    const session = makeSession();
    expect((await t.publishSession(m.client, m.deviceId, session)).at(-1)!.status).toBe('stored');
    const del = await api().inject({ method: 'DELETE', url: `/api/users/${m.uid}/workout-sessions/${session.sessionId}`, headers: await auth(m.uid) });
    expect(del.statusCode).toBe(200);
    const late = await t.publishSession(m.client, m.deviceId, session, () => true);
    expect(late[0]).toMatchObject({ status: 'rejected', error: expect.stringMatching(/deleted by its owner .*not stored again/) });
    const repost = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers: await auth(m.uid), payload: { user_id: m.uid, session_id: session.sessionId, exercise: session.exercise, reps: session.reps, accuracy: session.accuracy, timestamp: session.timestamp, duration: session.duration } });
    expect(repost.statusCode).toBe(410);
    expect(repost.json()).toMatchObject({ success: false, error: 'SESSION_DELETED' });
    await t.queuesSettled(); // a wrongly queued write has landed by now
    expect(await rowCount(session.sessionId)).toBe(0);
    expect((await doc(m.uid, session.sessionId)).exists).toBe(false);
    const [tomb] = await t.db.pool.query<RowDataPacket[]>('SELECT user_id FROM session_tombstones WHERE session_id = ?', [session.sessionId]);
    expect(tomb).toEqual([{ user_id: m.uid }]);
  });

  it('5. refuses impossible dates, unbounded numbers and oversized documents, naming the field', async () => {
    const m = await mirror();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ timestamp: '2026-02-30T08:00:00.000Z' }, /^timestamp: must be a real calendar date/],
      [{ timestamp: '2026-11-29T24:00:00.000Z' }, /^timestamp: must be a real calendar date/],
      [{ timestamp: '0000-01-01T00:00:00.000Z' }, /^timestamp: must be a real calendar date/],
      [{ timestamp: '9999-12-31T23:59:59.000Z' }, /^timestamp: must be between 2000-01-01 and two days from now/],
      [{ holdSeconds: 1e308 }, /^holdSeconds: /],
      [{ partialReps: 1e9 }, /^partialReps: /],
      [{ repDetails: [{ start: 0, end: 1e308, score: 0.5 }] }, /^repDetails\.0\.end: /],
      [{ repDetails: Array.from({ length: 1500 }, (_, i) => ({ start: i, end: i + 1, score: 0.5, cues: ['x'.repeat(190)] })) }, /^\(payload\): is \d+ bytes; a session must stay under 262144 bytes/],
    ];
    for (const [over, error] of cases) {
      const session = { ...makeSession(), ...over };
      expect(await refused(m, session, session.sessionId), JSON.stringify(over).slice(0, 80)).toMatch(error);
    }
  });

  it('5. answers a payload nested thousands of levels deep with a refusal naming the limit (it overflowed the stack: no ack, so the mirror re-sent it for ever)', async () => {
    const m = await mirror();
    const session = makeSession();
    const deepField = `${JSON.stringify(session).slice(0, -1)},"model":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const answer = new Promise<{ status: string; error?: string }>((resolve) =>
      m.client.on('message', (_t, p) => {
        const a = JSON.parse(p.toString());
        if (a.sessionId === session.sessionId) resolve(a);
      }),
    );
    m.client.publish(topicFor('sessions', m.deviceId), deepField, { qos: 1 });
    expect(await answer).toEqual({ sessionId: session.sessionId, status: 'rejected', error: '(payload): nests arrays or objects deeper than 16 levels' });
    expect(await rowCount(session.sessionId)).toBe(0);
    const deepArrays = '['.repeat(100_000) + ']'.repeat(100_000);
    const acks = await t.publishSession(m.client, m.deviceId, deepArrays, () => true);
    expect(acks[0]).toMatchObject({ sessionId: '', status: 'rejected', error: '(payload): nests arrays or objects deeper than 16 levels' });
    const res = await api().inject({
      method: 'POST',
      url: '/api/workout/pose-summary',
      headers: { ...(await auth(m.uid)), 'content-type': 'application/json' },
      payload: `{"user_id":"${m.uid}","exercise":"squat","reps":1,"accuracy":0.5,"timestamp":"${new Date().toISOString()}","duration":5,"feedback_points":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('(payload): nests arrays or objects deeper than 16 levels');
  });

  it('5. the broker closes a connection whose packet is larger than its maximum, before reading it all', async () => {
    const m = await mirror();
    const closed = new Promise<void>((resolve) => m.client.once('close', () => resolve()));
    m.client.publish(topicFor('sessions', m.deviceId), Buffer.alloc(MAX_MQTT_PACKET_BYTES + 10, 0x20), { qos: 1 });
    await closed;
    const metrics = (await api().inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pose_coach_mqtt_refused_total\{kind="packet_too_large"\} [1-9]/);
  });

  it('9. keeps the same numbers in both stores: a fractional duration and a long accuracy are stored alike', async () => {
    const m = await mirror();
    const session = makeSession({ duration: 61.6, accuracy: 0.123456789 });
    expect((await t.publishSession(m.client, m.deviceId, session)).at(-1)!.status).toBe('stored');
    const fs = (await doc(m.uid, session.sessionId)).data()!;
    const my = await t.gateway.repositories.mysql.get(m.uid, session.sessionId);
    expect([fs.duration, my!.duration]).toEqual([62, 62]);
    expect([fs.accuracy, my!.accuracy]).toEqual([0.123457, 0.123457]);
  });

  it('9. every list pages with a cursor to its end, and the seed’s response text is kept', async () => {
    const uid = `p-${randomUUID()}`;
    const headers = await auth(uid);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await api().inject({ method: 'POST', url: '/api/workout/pose-summary', headers, payload: { user_id: uid, exercise: 'squat', reps: i, accuracy: 0.5, timestamp: new Date(Date.now() - i * 60_000).toISOString(), duration: 5 } });
      expect(res.json().message).toBe('Workout session saved successfully');
      ids.push(res.json().session_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions?limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers });
      expect(res.statusCode).toBe(200);
      const body: { source: string; sessions: { sessionId: string }[]; nextCursor: string | null } = res.json();
      expect(body.source).toBe('firestore');
      seen.push(...body.sessions.map((s: { sessionId: string }) => s.sessionId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect((await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions/today?limit=3`, headers })).json().nextCursor).toEqual(expect.any(String));
    const bad = await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions?cursor=nonsense`, headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^cursor: /);
    // Owner-only, as the shipped Firestore rules say.
    expect((await api().inject({ method: 'GET', url: `/api/users/${uid}/workout-sessions?limit=3`, headers: await auth('someone-else') })).statusCode).toBe(403);
    const rules = readFileSync(new URL('../../cloud-sync/firebase/firestore.rules', import.meta.url), 'utf8');
    expect(rules).toMatch(/match \/users\/\{uid\}\/workoutSessions\/\{sessionId\}\s*\{\s*allow read, write: if request\.auth != null && request\.auth\.uid == uid;/);
  });
});
