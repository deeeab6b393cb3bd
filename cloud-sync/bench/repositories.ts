/**
 * Latency of each SessionRepository operation, Firestore (in-process emulator) beside MySQL
 * (local MariaDB, throwaway database), measured in the same run. On demand:
 *   npx tsx cloud-sync/bench/repositories.ts [sessions=200]
 * Prints one table: median and p95 milliseconds per operation and store.
 */
import { randomUUID } from 'node:crypto';
import type { StoredSession } from '@pose-coach/protocol';
import {
  closeFirestore,
  createFeedbackService,
  createFirestoreSessionRepository,
  createMysqlSessionRepository,
  openFirestore,
  periodRange,
  startFirestoreEmulator,
  type SessionRepository,
} from '../src/index.ts';
import { createTestDatabase } from '../test/support/testStores.ts';

const count = Number(process.argv[2] ?? 200);

function session(userId: string, i: number): StoredSession {
  return {
    sessionId: randomUUID(),
    userId,
    exercise: i % 3 === 0 ? 'pushup' : 'squat',
    reps: 5 + (i % 20),
    accuracy: 0.6 + (i % 40) / 100,
    timestamp: new Date(Date.now() - i * 6 * 3_600_000).toISOString(),
    duration: 60 + i,
    feedbackPoints: ['Keep your knees out', 'Go deeper'].slice(0, i % 3),
    deviceId: 'mirror-bench',
  };
}

async function timeEach(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await op(i);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function measure(repo: SessionRepository): Promise<Record<string, number[]>> {
  const uid = `bench-${randomUUID()}`;
  const sessions = Array.from({ length: count }, (_, i) => session(uid, i));
  const month = periodRange('month', 'UTC');
  return {
    'save (new)': await timeEach(count, (i) => repo.save(sessions[i]!)),
    'save (repeat)': await timeEach(count, (i) => repo.save(sessions[i]!)),
    get: await timeEach(count, (i) => repo.get(uid, sessions[i]!.sessionId)),
    'list (month, 50)': await timeEach(50, () => repo.list(uid, month, 50)),
    'stats (all)': await timeEach(50, () => repo.stats(uid)),
  };
}

const emulator = await startFirestoreEmulator();
const firestore = openFirestore({ projectId: `bench-${randomUUID().slice(0, 8)}`, emulatorHost: emulator.host });
const db = await createTestDatabase();
try {
  const results = {
    firestore: await measure(createFirestoreSessionRepository(firestore)),
    mysql: await measure(createMysqlSessionRepository(db.pool)),
  };
  const feedbackService = createFeedbackService({ pool: db.pool });
  const feedbackUid = `bench-${randomUUID()}`;
  const history = Array.from({ length: count }, (_, i) => session(feedbackUid, i));
  for (const s of history) await createMysqlSessionRepository(db.pool).save(s);
  const feedback = await timeEach(50, (i) => feedbackService.forSession(history[i]!));

  console.log(`${count} sessions per store; times in ms (median / p95)\n`);
  console.log('| operation | firestore (emulator) | mysql (MariaDB) |');
  console.log('|---|---|---|');
  for (const op of Object.keys(results.firestore)) {
    const f = results.firestore[op]!;
    const m = results.mysql[op]!;
    console.log(`| ${op} | ${pct(f, 0.5).toFixed(2)} / ${pct(f, 0.95).toFixed(2)} | ${pct(m, 0.5).toFixed(2)} / ${pct(m, 0.95).toFixed(2)} |`);
  }
  console.log(`| feedback.forSession (history of ${count}) | - | ${pct(feedback, 0.5).toFixed(2)} / ${pct(feedback, 0.95).toFixed(2)} |`);
} finally {
  await closeFirestore(firestore);
  await emulator.stop();
  await db.drop();
}
