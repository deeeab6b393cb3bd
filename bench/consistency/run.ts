/**
 * `npm run bench:consistency [-- --quick]`: issue 13's fault campaign on one machine, one table.
 * A gateway runs as its own process, in front of MariaDB and a Firestore emulator each reached
 * through a loopback TCP proxy (so a store can be cut without touching the shared server). Mirrors
 * behave like the device outbox. The phases, each ended by waiting for every ack and an empty
 * queue, then counting both stores and running reconcile (no repair):
 *   a. kill -9 of the gateway twice under load, restarted each time;
 *   b. both stores cut for --short-cut-s (30) while sessions keep coming;
 *   c. both stores cut for --long-cut-s (600; 60 with --quick);
 *   d. --fuzz (10,000; 2,000 with --quick) fuzzed payloads (fuzzPayloads.ts), each checked for the
 *      answer it must get;
 *   e. a row deleted and a field changed in MySQL, a document deleted and a field changed in
 *      Firestore behind the gateway's back: reconcile must find the 4, repair them, then find 0.
 * A row passes when reconcile finds 0 differences and both stores hold exactly the sessions
 * acknowledged `stored` (lost 0, unacked 0, doubled 0). Exit 1 when any row fails.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { createFirestoreSessionRepository, createMysqlSessionRepository, reconcileStores } from '@pose-coach/cloud-sync';
import { createTestDatabase, createTestFirestore } from '@pose-coach/cloud-sync/testing';
import { MAX_SESSION_BYTES, sessionDocPath } from '@pose-coach/protocol';
import { exampleSession } from '@pose-coach/protocol/testing';
import { createDeviceRegistry, createStoreQueues } from '@pose-coach/gateway';
import { startTcpProxy } from '../../gateway/test/support/tcpProxy.ts';
import { freePort, startChild } from '../support/processes.ts';
import { createFuzzer, type AckedSession, type FuzzCase } from './fuzzPayloads.ts';
import { createOutboxMirrors, type BenchDevice } from './outboxMirrors.ts';
import { auditStores, differencesOf, type StoreAudit } from './storeAudit.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    mirrors: { type: 'string', default: '20' },
    sessions: { type: 'string' },
    rate: { type: 'string', default: '50' },
    'cut-rate': { type: 'string', default: '5' },
    'short-cut-s': { type: 'string', default: '30' },
    'long-cut-s': { type: 'string' },
    fuzz: { type: 'string' },
    'fuzz-rate': { type: 'string', default: '100' },
    seed: { type: 'string', default: '13' },
    phases: { type: 'string', default: 'abcde' },
  },
});
const QUICK = args.quick;
const MIRRORS = Number(args.mirrors);
const SESSIONS = Number(args.sessions ?? (QUICK ? 300 : 1000));
const RATE = Number(args.rate);
const CUT_RATE = Number(args['cut-rate']);
const SHORT_CUT_S = Number(args['short-cut-s']);
const LONG_CUT_S = Number(args['long-cut-s'] ?? (QUICK ? 60 : 600));
const FUZZ = Number(args.fuzz ?? (QUICK ? 2000 : 10_000));
const FUZZ_RATE = Number(args['fuzz-rate']);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** uids a mirror can be paired with that are no Firestore path segment: all its sessions are refused. */
const PATH_UNSAFE_UIDS = ['team/alice', '..', '__bench__'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

interface Row {
  phase: string;
  sent: number;
  audit: StoreAudit;
  acked: number;
  storedAcks: number;
  deadLetters: number;
  drainS: number;
  note: string;
}

async function main() {
  const [db, fs] = await Promise.all([createTestDatabase(), createTestFirestore()]);
  const mysqlProxy = await startTcpProxy('127.0.0.1', 3306);
  const [fsHost, fsPort] = fs.emulatorHost.split(':') as [string, string];
  const firestoreProxy = await startTcpProxy(fsHost, Number(fsPort));
  const prefix = `pc-bench-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-consistency-'));
  const mqttPort = await freePort();
  const env = {
    GATEWAY_HOST: '127.0.0.1', GATEWAY_MQTT_PORT: String(mqttPort), GATEWAY_MQTTS_PORT: '0', GATEWAY_HTTP_PORT: '0',
    GATEWAY_DATA_DIR: dataDir, REDIS_URL, QUEUE_PREFIX: prefix,
    MYSQL_URL: db.url.replace('127.0.0.1:3306', `127.0.0.1:${mysqlProxy.port}`),
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${firestoreProxy.port}`, FIREBASE_PROJECT_ID: fs.projectId,
    STORE_BACKOFF_MS: '500', STORE_BACKOFF_MAX_MS: '5000', RECONCILE_EVERY_S: '0', LOG_LEVEL: 'warn',
  };
  let gateway: ChildProcess | undefined;
  let httpPort = 0;
  const startGateway = async () => {
    const started = await startChild('gateway/test/support/gatewayChild.ts', env, /^ready/);
    gateway = started.child;
    httpPort = Number(started.line.split(' ')[1]);
  };
  const killGateway = async () => {
    if (gateway!.exitCode !== null || gateway!.signalCode !== null) return;
    const exited = new Promise((r) => gateway!.once('exit', r));
    gateway!.kill('SIGKILL');
    await exited;
  };
  const healthz = async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.status ?? 0;

  // Mirrors, each paired with its own person; a few paired with odd uids for the fuzz phase.
  const registry = createDeviceRegistry(db.pool);
  const devices: BenchDevice[] = [];
  const uids = [...Array.from({ length: MIRRORS }, (_, i) => `bench-${i}-${randomUUID().slice(0, 8)}`), `ünï-çødé-😀-${randomUUID().slice(0, 4)}`, ...PATH_UNSAFE_UIDS];
  for (const uid of uids) {
    const d = await registry.create();
    await registry.bind(d.deviceId, uid, { displayName: 'Bench person' });
    devices.push({ ...d, uid });
  }
  const normal = Array.from({ length: MIRRORS }, (_, i) => i);
  await startGateway();
  const mirrors = createOutboxMirrors(mqttPort, devices);
  const queues = createStoreQueues({ redisUrl: REDIS_URL, prefix, attempts: 0, backoffMs: 500 });
  const firestore = createFirestoreSessionRepository(fs.firestore);
  const mysql = createMysqlSessionRepository(db.pool);
  const storedUids = uids.filter((u) => !PATH_UNSAFE_UIDS.includes(u));
  const ackedSessions: AckedSession[] = [];
  const inAckedSessions = new Set<string>();
  /** Acked sessions become material for the fuzz phase's duplicates and conflicts. */
  const collectAcked = () => {
    for (const id of mirrors.acked) {
      const p = payloadOf.get(id);
      if (!p || inAckedSessions.has(id)) continue;
      inAckedSessions.add(id);
      ackedSessions.push({ mirror: p.mirror, sessionId: id, payload: p.payload });
    }
  };
  const payloadOf = new Map<string, { mirror: number; payload: string }>();
  log(`gateway up; ${MIRRORS} mirrors (+${uids.length - MIRRORS} with odd uids); stores behind proxies; ${QUICK ? 'QUICK run' : 'full run'}`);

  let sent = 0;
  /** Publishes valid sessions round-robin at `rate`/s until `until()` says stop. */
  async function load(rate: number, until: (n: number) => boolean, onEach?: (n: number) => void) {
    const started = Date.now();
    for (let n = 0; !until(n); n++) {
      onEach?.(n);
      const mirror = normal[n % normal.length]!;
      const s = exampleSession({ duration: 30 + (n % 7) + 0.5, accuracy: 0.5 + (n % 100) / 1000, reps: n % 50 });
      const payload = JSON.stringify(s);
      payloadOf.set(s.sessionId, { mirror, payload });
      mirrors.send(mirror, payload, s.sessionId);
      sent++;
      const due = started + ((n + 1) * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }

  async function pendingJobs(): Promise<{ pending: number; failed: number }> {
    const counts = await queues.counts();
    const v = Object.values(counts);
    return { pending: v.reduce((n, c) => n + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0), 0), failed: v.reduce((n, c) => n + (c.failed ?? 0), 0) };
  }

  /** Waits for every ack and an empty queue (the mirrors re-sending what waits, like the outbox). */
  async function drain(limitS: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const { pending } = await pendingJobs();
      if (mirrors.waiting() === 0 && pending === 0 && [...mirrors.acked].every((id) => mirrors.stored.has(id))) break;
      if (Date.now() - started > limitS * 1000) {
        log(`gave up waiting after ${limitS} s: ${mirrors.waiting()} unanswered, ${pending} jobs pending, ${mirrors.acked.size - mirrors.stored.size} stored acks owed`);
        break;
      }
      mirrors.resendWaiting(10_000);
      await sleep(1000);
    }
    collectAcked();
    return (Date.now() - started) / 1000;
  }

  const rows: Row[] = [];
  async function check(phase: string, sentBefore: number, drainS: number, note = '') {
    const audit = await auditStores({ db: db.pool, firestore, mysql }, storedUids, mirrors.stored);
    const { failed } = await pendingJobs();
    rows.push({ phase, sent: sent - sentBefore, audit, acked: mirrors.acked.size, storedAcks: mirrors.stored.size, deadLetters: failed, drainS, note });
    log(`${phase}: MySQL ${audit.mysqlRows}, Firestore ${audit.firestoreDocs}, stored acks ${mirrors.stored.size}, reconcile differences ${differencesOf(audit.reconcile)} (${audit.reconcile.checked} checked in ${audit.reconcileMs.toFixed(0)} ms)`);
  }

  const cut = async (seconds: number) => {
    log(`both stores cut for ${seconds} s`);
    mysqlProxy.block();
    firestoreProxy.block();
    await sleep(Math.min(10_000, (seconds * 1000) / 2));
    const during = await healthz();
    await sleep(seconds * 1000 - Math.min(10_000, (seconds * 1000) / 2));
    mysqlProxy.unblock();
    firestoreProxy.unblock();
    log(`stores back (healthz during the cut: ${during})`);
    return during;
  };

  // a. kill -9 under load: two kills, one after the other, while sessions keep coming.
  if (args.phases.includes('a')) {
    const before = sent;
    const loadS = SESSIONS / RATE;
    let kills = 0;
    const faults = (async () => {
      for (let k = 1; k <= 2; k++) {
        await sleep((loadS * 1000) / 3);
        await killGateway();
        kills++;
        log(`kill -9 gateway (${kills})`);
        await sleep(1000);
        await startGateway();
        log('gateway restarted');
      }
    })();
    let faultsDone = false;
    void faults.then(() => (faultsDone = true));
    await load(RATE, (n) => n >= SESSIONS && faultsDone);
    await faults;
    const drainS = await drain(300);
    await check(`a. kill -9 ×${kills} under load`, before, drainS);
  }

  // b, c. store cuts while sessions keep coming.
  for (const [phase, seconds] of [['b', SHORT_CUT_S], ['c', LONG_CUT_S]] as const) {
    if (!args.phases.includes(phase)) continue;
    const before = sent;
    let done = false;
    const cutDone = (async () => {
      await sleep(3000);
      const code = await cut(seconds);
      await sleep(3000);
      done = true;
      return code;
    })();
    await load(CUT_RATE, () => done);
    const code = await cutDone;
    const drainS = await drain(seconds + 600);
    await check(`${phase}. both stores cut ${seconds} s`, before, drainS, `healthz ${code} during the cut`);
  }

  // d. fuzzed payloads.
  if (args.phases.includes('d')) {
    const before = sent;
    const fuzzer = createFuzzer(Number(args.seed), { mirrors: devices.length, maxSessionBytes: MAX_SESSION_BYTES });
    const cases: { mirror: number; c: FuzzCase }[] = [];
    const anonymousSent = devices.map(() => 0);
    const started = Date.now();
    for (let n = 0; n < FUZZ; n++) {
      // Most payloads from the ordinary mirrors; one in 25 from a mirror paired with an odd uid.
      const mirror = n % 25 === 0 ? MIRRORS + (Math.floor(n / 25) % (devices.length - MIRRORS)) : normal[n % normal.length]!;
      const c = fuzzer.next(mirror, ackedSessions);
      if (PATH_UNSAFE_UIDS.includes(devices[mirror]!.uid)) c.expect = 'reject';
      cases.push({ mirror, c });
      if (c.ackId === '') anonymousSent[mirror]!++;
      if (c.expect === 'accept' && typeof c.payload === 'string') payloadOf.set(c.ackId, { mirror, payload: c.payload });
      mirrors.send(mirror, c.payload, c.ackId);
      sent++;
      const due = started + ((n + 1) * 1000) / FUZZ_RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      if (n % 200 === 199) collectAcked();
    }
    log(`${FUZZ} fuzzed payloads sent in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const drainS = await drain(600);
    let asExpected = 0;
    const wrong: string[] = [];
    const unanswered: string[] = [];
    for (const { mirror, c } of cases) {
      if (c.ackId === '') continue;
      const got = mirrors.answersFor(mirror, c.ackId);
      if (!got) unanswered.push(c.label);
      else if (got.has(c.expect) && got.size === 1) asExpected++;
      else wrong.push(`${c.label} (expected ${c.expect}, got ${[...got].join('+')}${got.has('reject') ? `: ${mirrors.rejectError(mirror, c.ackId)?.slice(0, 80)}` : ''})`);
    }
    const anonymous = anonymousSent.reduce((a, b) => a + b, 0);
    const anonymousAnswered = mirrors.anonymousRejects.reduce((a, b) => a + b, 0);
    const accepted = cases.filter((x) => x.c.expect === 'accept').length;
    const note = `${accepted} valid / ${FUZZ - accepted} refusable; as expected ${asExpected + Math.min(anonymous, anonymousAnswered)}, wrong answer ${wrong.length}, unanswered ${unanswered.length + Math.max(0, anonymous - anonymousAnswered)}`;
    for (const w of [...new Set(wrong)].slice(0, 5)) log(`  wrong answer: ${w}`);
    for (const u of [...new Set(unanswered)].slice(0, 5)) log(`  unanswered: ${u}`);
    if (anonymous !== anonymousAnswered) log(`  payloads without a readable sessionId: ${anonymous} sent, ${anonymousAnswered} refusals received`);
    await check(`d. ${FUZZ} fuzzed payloads`, before, drainS, note);
    if (wrong.length || unanswered.length || anonymous !== anonymousAnswered) rows.at(-1)!.note += ' FAIL';
  }

  // e. changes behind the gateway's back.
  if (args.phases.includes('e')) {
    const [victims] = await db.pool.query<RowDataPacket[]>('SELECT user_id, session_id FROM workout_sessions WHERE session_id IS NOT NULL ORDER BY id DESC LIMIT 4');
    const [v1, v2, v3, v4] = victims.map((r) => ({ uid: String(r.user_id), id: String(r.session_id) }));
    await db.pool.query('DELETE FROM workout_sessions WHERE session_id = ?', [v1!.id]);
    await db.pool.query('UPDATE workout_sessions SET reps = reps + 1 WHERE session_id = ?', [v2!.id]);
    await fs.firestore.doc(sessionDocPath(v3!.uid, v3!.id)).delete();
    await fs.firestore.doc(sessionDocPath(v4!.uid, v4!.id)).update({ accuracy: 0.001 });
    const found = await reconcileStores({ firestore, mysql, db: db.pool }, { settleMs: 0 });
    const repaired = await reconcileStores({ firestore, mysql, db: db.pool }, { settleMs: 0, repair: true });
    log(`e: reconcile found ${differencesOf(found)} (missing in MySQL ${found.missingInMysql}, missing in Firestore ${found.missingInFirestore}, different ${found.different}); repaired ${repaired.repaired}, failed ${repaired.failed}`);
    await check('e. 4 changes behind its back, repaired', sent, 0, `found ${differencesOf(found)} of 4, repaired ${repaired.repaired}`);
    if (differencesOf(found) !== 4 || repaired.repaired !== 4) rows.at(-1)!.note += ' FAIL';
  }

  // The table.
  const header = ['phase', 'sent', 'acked', 'stored acks', 'MySQL', 'Firestore', 'lost', 'unacked', 'doubled', 'reconcile diffs', 'dead letters', 'drain s', 'ok'];
  const lines = rows.map((r) => {
    const ok = differencesOf(r.audit.reconcile) === 0 && r.audit.lost === 0 && r.audit.unacked === 0 && r.audit.mysqlDoubled === 0 && r.deadLetters === 0
      && r.audit.mysqlRows === r.storedAcks && r.audit.firestoreDocs === r.storedAcks && r.acked === r.storedAcks && !r.note.includes('FAIL');
    return [r.phase, r.sent, r.acked, r.storedAcks, r.audit.mysqlRows, r.audit.firestoreDocs, r.audit.lost, r.audit.unacked, r.audit.mysqlDoubled, differencesOf(r.audit.reconcile), r.deadLetters, r.drainS.toFixed(0), ok ? 'yes' : 'NO'].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\nconsistency campaign (${QUICK ? 'quick' : 'full'}; counts are cumulative; ${MIRRORS} mirrors + ${devices.length - MIRRORS} odd uids; ${((Date.now() - t0) / 60_000).toFixed(1)} min)`);
  console.log(fmt(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) if (r.note) console.log(`  ${r.phase}: ${r.note}`);
  const allOk = lines.every((l) => l.at(-1) === 'yes');

  await mirrors.close();
  gateway?.kill('SIGTERM');
  await queues.close();
  await Promise.all([mysqlProxy.close(), firestoreProxy.close()]);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await Promise.all([db.drop(), fs.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(allOk ? 0 : 1);
}

main().catch((err: Error) => {
  console.error(`bench:consistency failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
