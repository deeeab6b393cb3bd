/**
 * The one suite every OutboxStore passes (MQTT.js abstract_store style): run here against the
 * SQLite store on disk and in memory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteOutbox, InvalidSessionError, type OutboxStore } from '../src/outbox/index.ts';
import type { DiskPolicy } from '../src/outbox/policy.ts';
import { makeSession, tempDir } from './outbox-fixtures.ts';

const DUE = { resendAfterMs: 30_000, unpairedRetryMs: 600_000 };

function describeOutboxStore(name: string, open: (policy?: Partial<DiskPolicy>) => { store: OutboxStore; done(): void }) {
  describe(`OutboxStore contract: ${name}`, () => {
    let store: OutboxStore;
    let done: () => void;
    beforeEach(() => ({ store, done } = open()));
    afterEach(() => {
      store.close();
      done();
    });

    it('keeps a put session pending until an ack releases it', () => {
      const s = makeSession();
      store.put(s, 1000);
      expect(store.depth()).toMatchObject({ pending: 1, unpaired: 0, quarantined: 0 });
      expect(store.get(s.sessionId)?.payload).toEqual(s);
      expect(store.applyAck({ sessionId: s.sessionId, status: 'queued' })).toBe('released');
      expect(store.depth().pending).toBe(0);
      expect(store.get(s.sessionId)).toBeUndefined();
    });

    it('releases on stored as well as queued, and says unknown for a duplicate ack', () => {
      const s = makeSession();
      store.put(s);
      expect(store.applyAck({ sessionId: s.sessionId, status: 'stored', motivationalFeedback: 'Great work' })).toBe('released');
      expect(store.applyAck({ sessionId: s.sessionId, status: 'stored' })).toBe('unknown');
      const [h] = store.history('1970-01-01T00:00:00.000Z');
      expect(h).toMatchObject({ sync: 'synced', motivationalFeedback: 'Great work' });
    });

    it('applies several acks at once, each with its own outcome', () => {
      const [a, b, c] = [makeSession(), makeSession(), makeSession()];
      for (const s of [a, b, c]) store.put(s!);
      const out = store.applyAcks([
        { sessionId: a!.sessionId, status: 'queued' },
        { sessionId: b!.sessionId, status: 'rejected', error: 'bad' },
        { sessionId: c!.sessionId, status: 'unpaired' },
        { sessionId: a!.sessionId, status: 'stored' },
      ]);
      expect(out).toEqual(['released', 'quarantined', 'unpaired', 'unknown']);
      expect(store.depth()).toMatchObject({ pending: 1, unpaired: 1, quarantined: 1 });
    });

    it('is idempotent by sessionId', () => {
      const s = makeSession();
      store.put(s);
      store.put(s);
      expect(store.depth().pending).toBe(1);
      expect(store.history('1970-01-01T00:00:00.000Z')).toHaveLength(1);
    });

    it('refuses a malformed session at the door, naming the field', () => {
      expect(() => store.put(makeSession({ accuracy: 3 }))).toThrow(InvalidSessionError);
      expect(() => store.put(makeSession({ accuracy: 3 }))).toThrow(/accuracy/);
      expect(store.depth().pending).toBe(0);
    });

    it('quarantines a rejected session with the reason and never sends it again', () => {
      const s = makeSession();
      store.put(s);
      expect(store.applyAck({ sessionId: s.sessionId, status: 'rejected', error: 'reps: must be a whole number' })).toBe('quarantined');
      expect(store.depth()).toMatchObject({ pending: 0, quarantined: 1 });
      expect(store.quarantine()[0]).toMatchObject({ sessionId: s.sessionId, reason: 'reps: must be a whole number', payload: s });
      store.put(s); // a re-put of a quarantined id does not revive it
      expect(store.due(10, { now: Date.now(), ...DUE })).toHaveLength(0);
      expect(store.history('1970-01-01T00:00:00.000Z')[0]?.sync).toBe('rejected');
    });

    it('quarantines locally what fails validation here, so it is seen rather than lost', () => {
      const bad = { ...makeSession(), reps: -1 };
      store.quarantineLocally(bad, 'reps: too small');
      expect(store.quarantine()[0]).toMatchObject({ sessionId: bad.sessionId, reason: 'reps: too small' });
      expect(store.depth()).toMatchObject({ pending: 0, quarantined: 1 });
    });

    it('holds unpaired sessions until pairing, then makes them due again', () => {
      const s = makeSession();
      store.put(s, 0);
      store.markAttempt([s.sessionId], 1000);
      expect(store.applyAck({ sessionId: s.sessionId, status: 'unpaired' }, 1000)).toBe('unpaired');
      expect(store.depth()).toMatchObject({ pending: 1, unpaired: 1 });
      expect(store.due(10, { now: 2000, ...DUE })).toHaveLength(0);
      // …but retried after unpairedRetryMs even without a pairing message
      expect(store.due(10, { now: 1000 + DUE.unpairedRetryMs, ...DUE })).toHaveLength(1);
      expect(store.releaseUnpaired()).toBe(1);
      expect(store.due(10, { now: 2000, ...DUE })).toHaveLength(1);
      expect(store.depth().unpaired).toBe(0);
    });

    it('hands out due sessions oldest first, skipping those in flight or sent recently', () => {
      const a = makeSession();
      const b = makeSession();
      const c = makeSession();
      store.put(a, 1);
      store.put(b, 2);
      store.put(c, 3);
      expect(store.due(2, { now: 10, ...DUE }).map((e) => e.sessionId)).toEqual([a.sessionId, b.sessionId]);
      expect(store.due(5, { now: 10, ...DUE, exclude: new Set([a.sessionId]) }).map((e) => e.sessionId)).toEqual([b.sessionId, c.sessionId]);
      store.markAttempt([a.sessionId], 10);
      expect(store.due(5, { now: 20, ...DUE }).map((e) => e.sessionId)).toEqual([b.sessionId, c.sessionId]);
      expect(store.due(5, { now: 10 + DUE.resendAfterMs, ...DUE })[0]).toMatchObject({ sessionId: a.sessionId, attempts: 1 });
    });

    it('answers history and stats by workout start time, leaving out rejected sessions from stats', () => {
      const old = makeSession({ timestamp: '2026-01-01T08:00:00.000Z', reps: 5, accuracy: 0.5, duration: 60 });
      const recent = makeSession({ timestamp: '2026-11-28T08:00:00.000Z', reps: 12, accuracy: 0.9, duration: 100 });
      const bad = makeSession({ timestamp: '2026-11-28T09:00:00.000Z', reps: 3 });
      for (const s of [old, recent, bad]) store.put(s);
      store.applyAck({ sessionId: bad.sessionId, status: 'rejected', error: 'x' });
      expect(store.history('2026-11-01T00:00:00.000Z').map((h) => h.session.sessionId)).toEqual([bad.sessionId, recent.sessionId]);
      expect(store.stats('2026-11-01T00:00:00.000Z')).toEqual({ totalSessions: 1, totalReps: 12, averageAccuracy: 0.9, totalDuration: 100 });
      expect(store.stats('2000-01-01T00:00:00.000Z').totalSessions).toBe(2);
    });
  });

  describe(`OutboxStore disk policy: ${name}`, () => {
    it('prunes synced history by age and count but never a session still waiting', () => {
      const { store, done } = open({ historyDays: 10, maxHistory: 2 });
      const day = 86_400_000;
      const now = 100 * day;
      const sessions = Array.from({ length: 5 }, () => makeSession());
      sessions.forEach((s, i) => store.put(s, now - (20 - i) * day)); // all older than 10 days
      for (const s of sessions.slice(0, 4)) store.applyAck({ sessionId: s.sessionId, status: 'stored' });
      const report = store.prune(now);
      expect(report.history).toBe(4);
      const left = store.history('1970-01-01T00:00:00.000Z');
      expect(left.map((h) => h.session.sessionId)).toEqual([sessions[4]!.sessionId]);
      expect(store.depth().pending).toBe(1);
      store.close();
      done();
    });

    it('caps pending sessions by dropping the oldest and counting it', () => {
      const { store, done } = open({ maxPending: 3 });
      const sessions = Array.from({ length: 5 }, () => makeSession());
      sessions.forEach((s, i) => store.put(s, i));
      expect(store.prune(10).pending).toBe(2);
      expect(store.depth()).toMatchObject({ pending: 3, dropped: 2 });
      expect(store.get(sessions[0]!.sessionId)).toBeUndefined();
      expect(store.get(sessions[4]!.sessionId)).toBeDefined();
      store.close();
      done();
    });

    it('caps the quarantine by count', () => {
      const { store, done } = open({ maxQuarantine: 2 });
      for (let i = 0; i < 4; i++) {
        const s = makeSession();
        store.put(s);
        store.applyAck({ sessionId: s.sessionId, status: 'rejected', error: `r${i}` }, 1000 + i);
      }
      store.prune(2000);
      expect(store.quarantine().map((q) => q.reason)).toEqual(['r3', 'r2']);
      store.close();
      done();
    });
  });
}

describeOutboxStore('SQLite file', (policy) => {
  const t = tempDir('outbox');
  return { store: openSqliteOutbox(join(t.dir, 'outbox.db'), policy), done: t.cleanup };
});
describeOutboxStore('SQLite :memory:', (policy) => ({ store: openSqliteOutbox(':memory:', policy), done: () => {} }));

describe('SQLite outbox durability settings', () => {
  it('moves a damaged database aside and starts an empty one instead of failing', () => {
    const t = tempDir('outbox');
    const path = join(t.dir, 'o.db');
    writeFileSync(path, 'this is not a database, but it is long enough to look like a file header'.repeat(20));
    const moved: string[] = [];
    const store = openSqliteOutbox(path, {}, { onCorrupt: (to) => moved.push(to) });
    store.put(makeSession());
    expect(store.depth().pending).toBe(1);
    expect(moved).toHaveLength(1);
    expect(readFileSync(moved[0]!, 'utf8')).toContain('this is not a database');
    store.close();
    t.cleanup();
  });

  it('survives close and reopen with WAL and synchronous=FULL', async () => {
    const t = tempDir('outbox');
    const path = join(t.dir, 'o.db');
    const s = makeSession();
    const a = openSqliteOutbox(path);
    a.put(s);
    a.close();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const b = openSqliteOutbox(path);
    expect(b.get(s.sessionId)?.payload).toEqual(s);
    b.close();
    t.cleanup();
  });
});
