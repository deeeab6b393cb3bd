import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import {
  closeFirestore,
  createFirestoreSessionRepository,
  openFirestore,
  startFirestoreEmulator,
} from '../src/index.ts';
import { createTestFirestore, type TestFirestore } from './support/testStores.ts';
import { describeSessionRepository, makeSession } from './sessionRepositoryConformance.ts';

let testFirestore: TestFirestore;
let firestore: Firestore;

beforeAll(async () => {
  testFirestore = await createTestFirestore();
  firestore = testFirestore.firestore;
});
afterAll(async () => {
  await testFirestore?.close();
});

// A uid with a slash names no document (users/a/b/workoutSessions/...): Firestore refuses it.
describeSessionRepository('firestore (in-process emulator)', () => createFirestoreSessionRepository(firestore), () => makeSession({ userId: `a/${randomUUID()}` }));

describe('Firestore session document', () => {
  it('is at users/{uid}/workoutSessions/{sessionId} with the original fields, the additions given, and a server createdAt', async () => {
    const repo = createFirestoreSessionRepository(firestore);
    const session = makeSession({
      repDetails: [{ start: 0, end: 2.5, score: 0.9, cues: ['deeper'] }],
      model: 'movenet-lightning',
      timeZone: 'Europe/Berlin',
      pairingId: 'pair-1',
    });
    await repo.save(session);
    const snapshot = await firestore.doc(`users/${session.userId}/workoutSessions/${session.sessionId}`).get();
    const data = snapshot.data()!;
    expect(Object.keys(data).sort()).toEqual(
      [
        'sessionId', 'userId', 'exercise', 'reps', 'accuracy', 'timestamp', 'duration', 'feedbackPoints', 'createdAt',
        'deviceId', 'repDetails', 'model', 'timeZone', 'pairingId',
      ].sort(),
    );
    expect(data.createdAt).toBeInstanceOf(Timestamp);
    expect(data.timestamp).toBe(session.timestamp);
    expect(data.accuracy).toBe(session.accuracy);
    // Additions come back through the repository too.
    const stored = await repo.get(session.userId, session.sessionId);
    expect(stored).toMatchObject({ repDetails: session.repDetails, model: 'movenet-lightning', timeZone: 'Europe/Berlin', pairingId: 'pair-1' });
  });

  it('keeps separate projects apart when several handles are open on one emulator', async () => {
    const other = openFirestore({ projectId: `pc-test-${randomUUID().slice(0, 8)}`, emulatorHost: testFirestore.emulatorHost });
    try {
      const session = makeSession();
      await createFirestoreSessionRepository(firestore).save(session);
      expect(await createFirestoreSessionRepository(other).get(session.userId, session.sessionId)).toBeUndefined();
    } finally {
      await closeFirestore(other);
    }
  });
});

describe('startFirestoreEmulator', () => {
  it('listens on loopback on a free port, and refuses a port already taken with a clear error', async () => {
    const first = await startFirestoreEmulator({ port: 0 });
    try {
      expect(first.host).toMatch(/^127\.0\.0\.1:\d+$/);
      const port = Number(first.host.split(':')[1]);
      expect(port).toBeGreaterThan(0);
      await expect(startFirestoreEmulator({ port })).rejects.toThrow(`Firestore emulator could not listen on 127.0.0.1:${port}`);
    } finally {
      await first.stop();
      await first.stop(); // twice is fine
    }
  });
});
