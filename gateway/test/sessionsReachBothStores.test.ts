import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { topicFor } from '@pose-coach/protocol';
import { makeSession, startTestGateway, type TestGateway } from './support/testGateway.ts';

const run = promisify(execFile);

describe('a session published by a paired mirror', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.stop());

  async function mysqlRows(sessionId: string) {
    const [rows] = await t.db.pool.query<RowDataPacket[]>('SELECT * FROM workout_sessions WHERE session_id = ?', [sessionId]);
    return rows;
  }
  async function firestoreDoc(uid: string, sessionId: string) {
    return (await t.gateway.firestore.doc(`users/${uid}/workoutSessions/${sessionId}`).get()).data();
  }

  it('is queued, then stored field-equal in Firestore and MySQL with motivational feedback', async () => {
    const { deviceId, secret, uid } = await t.provision();
    const client = await t.connect(deviceId, secret);
    const session = makeSession({ timestamp: '2026-11-29T07:30:00.000Z', feedbackPoints: ['Keep knees aligned', 'Great depth'] });

    const acks = await t.publishSession(client, deviceId, session);
    expect(acks.map((a) => a.status)).toEqual(['queued', 'stored']);
    expect(acks[1]!.motivationalFeedback).toMatch(/\w{3,}/);

    const doc = await firestoreDoc(uid, session.sessionId);
    expect(doc).toMatchObject({
      sessionId: session.sessionId,
      userId: uid,
      deviceId,
      exercise: 'squat',
      reps: 12,
      accuracy: 0.83,
      timestamp: '2026-11-29T07:30:00.000Z',
      duration: 95,
      feedbackPoints: ['Keep knees aligned', 'Great depth'],
    });
    expect(doc!.createdAt.toDate()).toBeInstanceOf(Date);

    const rows = await mysqlRows(session.sessionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: uid, device_id: deviceId, exercise: 'squat', reps: 12, timestamp: '2026-11-29T07:30:00.000Z', duration: 95 });
    expect(rows[0]!.accuracy).toBeCloseTo(0.83, 5);
    expect(JSON.parse(rows[0]!.feedback_points)).toEqual(['Keep knees aligned', 'Great depth']);
    expect(rows[0]!.created_at).toBeInstanceOf(Date);
  });

  it('delivered twice is one document and one row', async () => {
    const { deviceId, secret, uid } = await t.provision();
    const client = await t.connect(deviceId, secret);
    const session = makeSession();
    await t.publishSession(client, deviceId, session);
    const again = await t.publishSession(client, deviceId, session, (a) => a.status === 'queued');
    expect(again[0]!.status).toBe('queued');
    // A wrongly re-run job has written its second copy once the queues are idle.
    await t.queuesSettled();
    expect(await mysqlRows(session.sessionId)).toHaveLength(1);
    const docs = await t.gateway.firestore.collection(`users/${uid}/workoutSessions`).where('sessionId', '==', session.sessionId).get();
    expect(docs.size).toBe(1);
  });

  it('malformed is rejected naming the bad field, and never queued', async () => {
    const { deviceId, secret } = await t.provision();
    const client = await t.connect(deviceId, secret);
    const session = { ...makeSession(), reps: -3 };
    const acks = await t.publishSession(client, deviceId, session);
    expect(acks).toEqual([{ sessionId: session.sessionId, status: 'rejected', error: expect.stringMatching(/^reps: /) }]);
    for (const q of Object.values(t.gateway.queues.queues)) expect(await q.getJob(session.sessionId)).toBeUndefined();

    // No session id can be read from broken JSON: the ack carries an empty id and says what is wrong.
    const notJson = await t.publishSession(client, deviceId, '{"sessionId": "x", broken');
    expect(notJson).toEqual([{ sessionId: '', status: 'rejected', error: '(payload): is not valid JSON' }]);
  });

  it('from an unpaired mirror is answered unpaired and not stored', async () => {
    const { deviceId, secret } = await t.provision(null);
    const client = await t.connect(deviceId, secret);
    const session = makeSession();
    const acks = await t.publishSession(client, deviceId, session);
    expect(acks).toEqual([expect.objectContaining({ sessionId: session.sessionId, status: 'unpaired' })]);
    expect(await mysqlRows(session.sessionId)).toHaveLength(0);
  });

  it("published with Mosquitto's own mosquitto_pub lands in both stores", async () => {
    const { deviceId, secret, uid } = await t.provision();
    const session = makeSession({ exercise: 'pushup', reps: 20 });
    await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(t.gateway.mqttPort), '-i', deviceId, '-u', deviceId, '-P', secret,
      '-q', '1', '-t', topicFor('sessions', deviceId), '-m', JSON.stringify(session),
    ]);
    await expect.poll(async () => (await mysqlRows(session.sessionId)).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => (await firestoreDoc(uid, session.sessionId))?.reps, { timeout: 15_000 }).toBe(20);
  });
});
