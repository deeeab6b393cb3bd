/**
 * The in-process Firestore emulator with a data folder keeps what was written across a restart:
 * documents in nested collections with every value type, updates and deletes, server timestamps;
 * a torn journal line is skipped, not fatal.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { closeFirestore, openFirestore, startFirestoreEmulator } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pc-fs-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withEmulator<T>(fn: (db: ReturnType<typeof openFirestore>, restored: number) => Promise<T>): Promise<T> {
  const emulator = await startFirestoreEmulator({ dataDir: dir });
  const db = openFirestore({ projectId: 'persist-test', emulatorHost: emulator.host });
  try {
    return await fn(db, emulator.restoredDocuments);
  } finally {
    await closeFirestore(db);
    await emulator.stop();
  }
}

describe('the in-process Firestore emulator with a data folder', () => {
  it('finds after a restart what was written before it, with updates and deletes applied', async () => {
    await withEmulator(async (db, restored) => {
      expect(restored).toBe(0);
      await db.doc('users/ada/workoutSessions/s1').create({ reps: 3, accuracy: 0.91, exercise: 'squat', feedbackPoints: ['knees out'], at: Timestamp.fromMillis(1_700_000_000_123), createdAt: FieldValue.serverTimestamp(), nested: { a: true, b: null } });
      await db.doc('users/ada/workoutSessions/s2').create({ reps: 5 });
      await db.doc('users/ada/workoutSessions/s3').create({ reps: 7 });
      await db.doc('users/ada/workoutSessions/s2').update({ reps: 6 });
      await db.doc('users/ada/workoutSessions/s3').delete();
      await db.doc('users/ada').set({ name: 'Ada' });
    });
    // A power cut in the middle of an append leaves half a line.
    appendFileSync(join(dir, 'journal.jsonl'), '{"name":"projects/persist-test/databases/(def');

    await withEmulator(async (db, restored) => {
      expect(restored).toBe(3);
      const s1 = (await db.doc('users/ada/workoutSessions/s1').get()).data()!;
      expect(s1).toMatchObject({ reps: 3, accuracy: 0.91, exercise: 'squat', feedbackPoints: ['knees out'], nested: { a: true, b: null } });
      expect((s1.at as Timestamp).toMillis()).toBe(1_700_000_000_123);
      expect(s1.createdAt).toBeInstanceOf(Timestamp);
      expect((await db.doc('users/ada/workoutSessions/s2').get()).data()).toEqual({ reps: 6 });
      expect((await db.doc('users/ada/workoutSessions/s3').get()).exists).toBe(false);
      const list = await db.collection('users/ada/workoutSessions').orderBy('reps').get();
      expect(list.docs.map((d) => d.id)).toEqual(['s1', 's2']);
      await db.doc('users/ada/workoutSessions/s4').create({ reps: 1 });
    });

    // And again: what the second run wrote is there too.
    await withEmulator(async (db, restored) => {
      expect(restored).toBe(4);
      expect((await db.collection('users/ada/workoutSessions').get()).size).toBe(3);
    });
  }, 60_000);
});
