import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { createMysqlSessionRepository, getProfile, ensureProfile } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from './support/testStores.ts';
import { describeSessionRepository, makeSession } from './sessionRepositoryConformance.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

// An exercise longer than its VARCHAR(100) column: MariaDB (strict mode) refuses the row.
describeSessionRepository('mysql (local MariaDB)', () => createMysqlSessionRepository(db.pool), () => makeSession({ exercise: 'x'.repeat(101) }));

describe('MySQL workout_sessions rows', () => {
  it('stores feedback points as JSON text, duration rounded to whole seconds, and the ids', async () => {
    const repo = createMysqlSessionRepository(db.pool);
    const session = makeSession({ duration: 61.6, feedbackPoints: ['a, b', 'c'] });
    await repo.save(session);
    const [rows] = await db.pool.execute<RowDataPacket[]>(
      'SELECT user_id, feedback_points, duration, `timestamp`, session_id, device_id FROM workout_sessions WHERE session_id = ?',
      [session.sessionId],
    );
    expect(rows[0]).toEqual({
      user_id: session.userId,
      feedback_points: '["a, b","c"]',
      duration: 62,
      timestamp: session.timestamp,
      session_id: session.sessionId,
      device_id: 'mirror-hall',
    });
  });

  it('creates the profile with the session, taking the session time zone only when the profile has none', async () => {
    const repo = createMysqlSessionRepository(db.pool);
    const first = makeSession({ timeZone: 'Europe/Berlin' });
    await repo.save(first);
    expect((await getProfile(db.pool, first.userId))?.timeZone).toBe('Europe/Berlin');
    await repo.save(makeSession({ userId: first.userId, timeZone: 'Asia/Tokyo' }));
    expect((await getProfile(db.pool, first.userId))?.timeZone).toBe('Europe/Berlin');
    const unknownZone = makeSession({ timeZone: 'Mars/Olympus_Mons' });
    await repo.save(unknownZone);
    expect((await getProfile(db.pool, unknownZone.userId))?.timeZone).toBeNull();
  });

  it('reads, lists and deletes rows the original backend wrote without a session_id as mysql-<id>', async () => {
    const repo = createMysqlSessionRepository(db.pool);
    const uid = `uid-${randomUUID()}`;
    await ensureProfile(db.pool, uid);
    const [result] = await db.pool.execute<import('mysql2/promise').ResultSetHeader>(
      "INSERT INTO workout_sessions (user_id, exercise, reps, accuracy, `timestamp`, duration, feedback_points) VALUES (?, 'squat', 8, 0.5, '2026-01-05T10:00:00.000Z', 40, 'Keep your back straight')",
      [uid],
    );
    const legacyId = `mysql-${result.insertId}`;
    const [listed] = await repo.list(uid);
    expect(listed).toMatchObject({ sessionId: legacyId, reps: 8, feedbackPoints: ['Keep your back straight'] });
    expect(await repo.get(uid, legacyId)).toMatchObject({ sessionId: legacyId });
    expect(await repo.delete(uid, legacyId)).toBe(true);
    expect(await repo.list(uid)).toEqual([]);
  });
});
