/**
 * The behaviour every SessionRepository must have, as one suite each implementation runs
 * against its real store (MQTT.js abstract_store style). Every test uses its own random uid.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredSession } from '@pose-coach/protocol';
import type { SessionRepository, WorkoutSessionRecord } from '../src/index.ts';

export function makeSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    sessionId: randomUUID(),
    userId: `uid-${randomUUID()}`,
    exercise: 'squat',
    reps: 12,
    accuracy: 0.87,
    timestamp: '2026-11-29T08:15:00.000Z',
    duration: 95,
    feedbackPoints: ['Keep your knees over your toes', 'Go a little deeper'],
    deviceId: 'mirror-hall',
    ...overrides,
  };
}

/** The fields both stores keep (DESIGN.md original fields + ids), with accuracy left out for a tolerant compare. */
function core(record: WorkoutSessionRecord | StoredSession) {
  const { sessionId, userId, exercise, reps, timestamp, duration, feedbackPoints, deviceId } = record;
  return { sessionId, userId, exercise, reps, timestamp, duration, feedbackPoints, deviceId };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `unstorable` makes a session this store refuses (each store refuses different things), for the
 * saveMany test of one bad session among good ones.
 */
export function describeSessionRepository(
  label: string,
  makeRepository: () => Promise<SessionRepository> | SessionRepository,
  unstorable: () => StoredSession,
) {
  describe(`SessionRepository conformance: ${label}`, () => {
    it('reads back a saved session with the same fields, timestamp string and feedback points', async () => {
      const repo = await makeRepository();
      const session = makeSession({ timestamp: '2026-11-29T08:15:00Z', feedbackPoints: ['Chest "up"', 'Knie über den Zehen ✓'] });
      const before = Date.now();
      expect(await repo.save(session)).toBe('created');
      const stored = await repo.get(session.userId, session.sessionId);
      expect(stored).toBeDefined();
      expect(core(stored!)).toEqual(core(session));
      expect(stored!.timestamp).toBe('2026-11-29T08:15:00Z');
      expect(stored!.accuracy).toBeCloseTo(session.accuracy, 6);
      // createdAt is the store's clock (MySQL TIMESTAMP has whole seconds).
      const createdAt = Date.parse(stored!.createdAt);
      expect(stored!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(createdAt).toBeGreaterThanOrEqual(before - 2000);
      expect(createdAt).toBeLessThanOrEqual(Date.now() + 2000);
    });

    it('keeps an empty feedback list empty and a session without deviceId without one', async () => {
      const repo = await makeRepository();
      const { deviceId: _omitted, ...withoutDevice } = makeSession({ feedbackPoints: [] });
      await repo.save(withoutDevice);
      const stored = await repo.get(withoutDevice.userId, withoutDevice.sessionId);
      expect(stored?.feedbackPoints).toEqual([]);
      expect(stored).not.toHaveProperty('deviceId');
    });

    it('saves idempotently: a repeat is "exists", changes nothing and keeps createdAt', async () => {
      const repo = await makeRepository();
      const session = makeSession();
      expect(await repo.save(session)).toBe('created');
      const first = await repo.get(session.userId, session.sessionId);
      await sleep(1100); // longer than MySQL's one-second TIMESTAMP resolution
      expect(await repo.save({ ...session, reps: 99, feedbackPoints: ['changed'] })).toBe('exists');
      const second = await repo.get(session.userId, session.sessionId);
      expect(second).toEqual(first);
      expect(await repo.list(session.userId)).toHaveLength(1);
    });

    it('creates a session exactly once when several workers save it at the same time', async () => {
      const repo = await makeRepository();
      const session = makeSession();
      const results = await Promise.all(Array.from({ length: 6 }, () => repo.save(session)));
      expect(results.filter((r) => r === 'created')).toHaveLength(1);
      expect(results.filter((r) => r === 'exists')).toHaveLength(5);
      expect(await repo.list(session.userId)).toHaveLength(1);
    });

    it('saves different sessions of a new person at the same time', async () => {
      const repo = await makeRepository();
      const userId = `uid-${randomUUID()}`;
      const sessions = Array.from({ length: 6 }, (_, i) => makeSession({ userId, timestamp: `2026-11-2${i}T10:00:00.000Z` }));
      expect(await Promise.all(sessions.map((s) => repo.save(s)))).toEqual(sessions.map(() => 'created'));
      expect((await repo.stats(userId)).totalSessions).toBe(6);
    });

    it('saveMany writes a batch of sessions of several people, each "created" and read back as saved', async () => {
      const repo = await makeRepository();
      const users = [`uid-${randomUUID()}`, `uid-${randomUUID()}`];
      const sessions = Array.from({ length: 7 }, (_, i) => makeSession({ userId: users[i % 2]!, timestamp: `2026-11-2${i}T10:00:00.000Z`, reps: i + 1 }));
      const outcomes = await repo.saveMany(sessions);
      expect(outcomes).toEqual(sessions.map(() => ({ status: 'fulfilled', value: 'created' })));
      for (const s of sessions) expect(core((await repo.get(s.userId, s.sessionId))!)).toEqual(core(s));
      expect((await repo.stats(users[0]!)).totalSessions).toBe(4);
      expect((await repo.stats(users[1]!)).totalSessions).toBe(3);
    });

    it('saveMany answers a session already stored "exists", unchanged, and still stores the rest of the batch', async () => {
      const repo = await makeRepository();
      const stored = makeSession();
      await repo.save(stored);
      const before = await repo.get(stored.userId, stored.sessionId);
      const fresh = [makeSession({ userId: stored.userId }), makeSession()];
      const outcomes = await repo.saveMany([fresh[0]!, { ...stored, reps: 99 }, fresh[1]!]);
      // The repeat is "exists"; the fresh ones are stored (the in-process emulator applies a commit's
      // writes up to the one refused, so a fresh one before it may answer "exists" on the retry alone).
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(outcomes[1]).toEqual({ status: 'fulfilled', value: 'exists' });
      expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'created' });
      expect(await repo.get(stored.userId, stored.sessionId)).toEqual(before);
      for (const s of fresh) expect(core((await repo.get(s.userId, s.sessionId))!)).toEqual(core(s));
    });

    it('saveMany fails only the session the store refuses; the others of its batch are stored', async () => {
      const repo = await makeRepository();
      const good = [makeSession(), makeSession(), makeSession()];
      const bad = unstorable();
      const outcomes = await repo.saveMany([good[0]!, bad, good[1]!, good[2]!]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      for (const s of good) expect(core((await repo.get(s.userId, s.sessionId))!)).toEqual(core(s));
    });

    it('gets nothing for an unknown session or for another person', async () => {
      const repo = await makeRepository();
      const session = makeSession();
      await repo.save(session);
      expect(await repo.get(session.userId, randomUUID())).toBeUndefined();
      expect(await repo.get(`uid-${randomUUID()}`, session.sessionId)).toBeUndefined();
    });

    it('lists newest first, only the person’s own, honouring [from, to) and the limit', async () => {
      const repo = await makeRepository();
      const userId = `uid-${randomUUID()}`;
      const times = ['2026-11-02T10:00:00.000Z', '2026-11-30T23:59:59.999Z', '2026-11-15T07:30:00.000Z', '2026-12-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'];
      for (const timestamp of times) await repo.save(makeSession({ userId, timestamp }));
      await repo.save(makeSession({ timestamp: '2026-11-20T00:00:00.000Z' })); // someone else

      const all = await repo.list(userId);
      expect(all.map((s) => s.timestamp)).toEqual([...times].sort().reverse());
      expect(all.every((s) => s.userId === userId)).toBe(true);

      const november = await repo.list(userId, { fromIso: '2026-11-01T00:00:00.000Z', toIso: '2026-12-01T00:00:00.000Z' });
      expect(november.map((s) => s.timestamp)).toEqual([
        '2026-11-30T23:59:59.999Z',
        '2026-11-15T07:30:00.000Z',
        '2026-11-02T10:00:00.000Z',
        '2026-11-01T00:00:00.000Z',
      ]);
      const latestTwo = await repo.list(userId, undefined, 2);
      expect(latestTwo.map((s) => s.timestamp)).toEqual(['2026-12-01T00:00:00.000Z', '2026-11-30T23:59:59.999Z']);
      expect(await repo.list(`uid-${randomUUID()}`)).toEqual([]);
      await expect(repo.list(userId, undefined, 0)).rejects.toThrow(/positive whole number/);
    });

    it('sums stats over the person’s sessions, in a range, and reports zeros when there are none', async () => {
      const repo = await makeRepository();
      const userId = `uid-${randomUUID()}`;
      await repo.save(makeSession({ userId, reps: 10, accuracy: 0.8, duration: 60, timestamp: '2026-11-10T09:00:00.000Z' }));
      await repo.save(makeSession({ userId, reps: 20, accuracy: 0.9, duration: 120, timestamp: '2026-11-11T09:00:00.000Z' }));
      await repo.save(makeSession({ userId, reps: 5, accuracy: 0.4, duration: 30, timestamp: '2026-10-01T09:00:00.000Z' }));
      await repo.save(makeSession({ reps: 1000, timestamp: '2026-11-10T09:00:00.000Z' })); // someone else

      const all = await repo.stats(userId);
      expect(all).toMatchObject({ totalSessions: 3, totalReps: 35, totalDuration: 210 });
      expect(all.averageAccuracy).toBeCloseTo(0.7, 5);

      const november = await repo.stats(userId, { fromIso: '2026-11-01T00:00:00.000Z', toIso: '2026-11-11T09:00:00.000Z' });
      expect(november).toMatchObject({ totalSessions: 1, totalReps: 10, totalDuration: 60 });
      expect(november.averageAccuracy).toBeCloseTo(0.8, 5);

      expect(await repo.stats(`uid-${randomUUID()}`)).toEqual({ totalSessions: 0, totalReps: 0, averageAccuracy: 0, totalDuration: 0 });
    });

    it('pages through every session newest first with a cursor, ties on timestamp broken by sessionId, nothing lost or repeated', async () => {
      const repo = await makeRepository();
      const uid = `uid-${randomUUID()}`;
      // 7 sessions, three sharing one timestamp, so a page boundary falls inside equal timestamps.
      const stamps = ['2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-03T10:00:00.000Z', '2026-11-04T10:00:00.000Z', '2026-12-01T10:00:00.000Z'];
      const sessions = stamps.map((timestamp) => makeSession({ userId: uid, timestamp }));
      for (const s of sessions) await repo.save(s);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repo.page(uid, { limit: 2, cursor, range: { fromIso: '2026-11-01T00:00:00.000Z', toIso: '2026-12-01T00:00:00.000Z' } });
        expect(page.sessions.length).toBeLessThanOrEqual(2);
        seen.push(...page.sessions.map((x) => x.sessionId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      const expected = sessions
        .filter((x) => x.timestamp < '2026-12-01')
        .sort((a, b) => (a.timestamp === b.timestamp ? (a.sessionId < b.sessionId ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1))
        .map((x) => x.sessionId);
      expect(seen).toEqual(expected);
      expect(pages).toBe(3);
      await expect(repo.page(uid, { limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    });

    it('put creates a missing session and rewrites every field of a stored one, keeping createdAt', async () => {
      const repo = await makeRepository();
      const session = makeSession();
      await repo.put(session);
      const first = await repo.get(session.userId, session.sessionId);
      expect(core(first!)).toEqual(core(session));
      await sleep(1100);
      const changed = { ...session, reps: 99, duration: 12, feedbackPoints: ['changed'] };
      await repo.put(changed);
      const second = await repo.get(session.userId, session.sessionId);
      expect(core(second!)).toEqual(core(changed));
      expect(second!.createdAt).toBe(first!.createdAt);
    });

    it('deletes a session once, and only the owner’s', async () => {
      const repo = await makeRepository();
      const session = makeSession();
      await repo.save(session);
      expect(await repo.delete(`uid-${randomUUID()}`, session.sessionId)).toBe(false);
      expect(await repo.get(session.userId, session.sessionId)).toBeDefined();
      expect(await repo.delete(session.userId, session.sessionId)).toBe(true);
      expect(await repo.get(session.userId, session.sessionId)).toBeUndefined();
      expect(await repo.delete(session.userId, session.sessionId)).toBe(false);
      // Deleted means gone for good: saving it again creates it anew.
      expect(await repo.save(session)).toBe('created');
    });
  });
}
