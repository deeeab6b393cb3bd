/**
 * bench/cluster: several gateway processes on one Redis (MQTT_CLUSTER=redis), one killed with
 * SIGKILL while sessions stream in; its mirrors fail over to the others.
 *
 *   npm run bench:cluster [-- --quick] [--gateways 3] [--mirrors 300] [--sessions 3000] [--rate 150] [--no-baseline] [--old-failover] [--split-workers]
 *
 * Each mirror is the agent's own MQTT link (device/src/link, several gateway addresses, each
 * mirror's list starting at a different gateway so they spread) with the outbox's rule on top:
 * a session is kept until the gateway acks it `queued` or `stored`, and sent again after every
 * reconnect. At 40 % of the stream one gateway is SIGKILLed. The link's own failover order is used
 * (--old-failover: every mirror of a gateway fails over to the address listed after it, as before;
 * --split-workers: the gateways run no store workers, one `gateway:workers` process does). At the end both stores are counted
 * session by session: lost = published but missing from a store, doubled = a session in a store
 * more than once. Baseline in the same run (unless --no-baseline): the same stream through one
 * gateway process with its broker in memory, nothing killed.
 * Closing line (../shared/DESIGN.md):
 *   cluster: G gateways, M mirrors, S sessions, lost L, doubled D, N sessions/s
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { openFirestore, closeFirestore } from '@pose-coach/cloud-sync';
import { createTestDatabase, type TestDatabase } from '@pose-coach/cloud-sync/testing';
import type { SessionAck } from '@pose-coach/protocol';
import { freePort, procStat, startChild } from '../support/processes.ts';
import { createDeviceRegistry } from '../../gateway/src/devices/deviceRegistry.ts';
import { randomWorkout } from '../../gateway/src/dev/randomWorkout.ts';
import { createLink, type Link } from '../../device/src/link/index.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    gateways: { type: 'string' },
    mirrors: { type: 'string' },
    sessions: { type: 'string' },
    rate: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'old-failover': { type: 'boolean', default: false },
    'split-workers': { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
const GATEWAYS = Number(args.gateways ?? 3);
const MIRRORS = Number(args.mirrors ?? (QUICK ? 60 : 300));
const SESSIONS = Number(args.sessions ?? (QUICK ? 600 : 3000));
const RATE = Number(args.rate ?? (QUICK ? 60 : 150));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROJECT = 'pose-coach-bench';
const USERS = 50;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Mirror {
  deviceId: string;
  link: Link;
  /** The outbox: sessions not yet acked queued or stored. */
  unacked: Map<string, ReturnType<typeof randomWorkout>>;
  downSince?: number;
}

interface RunResult {
  published: number;
  lost: { firestore: number; mysql: number };
  doubled: number;
  sessionsPerS: number;
  latency: number[];
  reconnects: number[];
  /** Connection attempts of the killed gateway's mirrors that failed after the kill, by error. */
  failedAttempts: Map<string, number>;
  /** Where the killed gateway's mirrors came back: gateway port → mirrors. */
  landedOn: Map<string, number>;
  stillDown: number;
  storedAcksDoubled: number;
  gatewayCpuS: number;
}

async function run(opts: { label: string; gateways: number; cluster: boolean; kill: boolean; emulatorHost: string }): Promise<RunResult> {
  const db: TestDatabase = await createTestDatabase();
  const prefix = `pc-bench-cl-${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bench-cluster-'));
  const gateways: Array<{ port: number; child: Awaited<ReturnType<typeof startChild>>['child'] }> = [];
  let workers: Awaited<ReturnType<typeof startChild>>['child'] | undefined;
  for (let g = 0; g < opts.gateways; g++) {
    const port = await freePort();
    const env = {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_MQTT_PORT: String(port),
      GATEWAY_MQTTS_PORT: String(await freePort()),
      GATEWAY_HTTP_PORT: String(await freePort()),
      GATEWAY_DATA_DIR: dataDir, // one TLS certificate for the cluster
      MYSQL_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      FIRESTORE_EMULATOR_HOST: opts.emulatorHost,
      FIREBASE_PROJECT_ID: PROJECT,
      MQTT_CLUSTER: opts.cluster ? 'redis' : 'off',
      MQTT_CONNECT_RATE_PER_ADDRESS: '0', // every simulated mirror shares 127.0.0.1
      LOG_LEVEL: 'warn',
      ...(args['split-workers'] ? { RUN_WORKERS: 'false' } : {}),
    };
    // The first gateway runs the migrations before the others start.
    const started = await startChild('gateway/src/main.ts', { ...env, LOG_LEVEL: 'info' }, /HTTP API listening/);
    gateways.push({ port, child: started.child });
    if (g === 0 && args['split-workers']) workers = (await startChild('gateway/src/workerMain.ts', { ...env, LOG_LEVEL: 'info' }, /store workers running/)).child;
  }
  console.log(`[${opts.label}] ${opts.gateways} gateway process(es) up`);

  const registry = createDeviceRegistry(db.pool);
  const creds: Array<{ deviceId: string; secret: string }> = [];
  for (let i = 0; i < MIRRORS; i++) {
    const c = await registry.create({ deviceId: `bench-${i}` });
    await registry.bind(c.deviceId, `bench-user-${i % USERS}`);
    creds.push(c);
  }

  const latency: number[] = [];
  const reconnects: number[] = [];
  const storedAcks = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const log = pino({ level: 'silent' });
  const failedAttempts = new Map<string, number>();
  const landedOn = new Map<string, number>();
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let killedAt: number | undefined;
  const mirrors: Mirror[] = creds.map(({ deviceId, secret }, i) => {
    // Each mirror's list starts at a different gateway: they spread, and fail over to the next.
    const order = Array.from({ length: opts.gateways }, (_, k) => gateways[(i + k) % opts.gateways]!.port);
    const m: Mirror = { deviceId, unacked: new Map(), link: undefined as unknown as Link };
    // Which gateway a mirror that lost its own came back on (the link logs it with 'MQTT link up').
    const linkLog = pino({ level: 'info' }, {
      write(line: string) {
        if (killedAt === undefined || m.downSince === undefined) return;
        const o = JSON.parse(line) as { msg?: string; gateway?: string };
        if (o.msg === 'MQTT link up' && o.gateway) count(landedOn, o.gateway.split(':').pop()!);
      },
    });
    m.link = createLink({
      url: order.map((p) => `mqtt://127.0.0.1:${p}`).join(','),
      deviceId,
      password: secret,
      backoff: { minMs: 500, maxMs: 2000 },
      ...(args['old-failover'] ? { random: () => 0.999999 } : {}),
      log: opts.kill ? linkLog : log,
      handlers: {
        onAck(ack: SessionAck) {
          // The outbox's rule: queued (in Redis) or stored lets the mirror forget the session.
          if (ack.status === 'queued' || ack.status === 'stored') m.unacked.delete(ack.sessionId);
          if (ack.status !== 'stored') return;
          const n = (storedAcks.get(ack.sessionId) ?? 0) + 1;
          storedAcks.set(ack.sessionId, n);
          const at = sentAt.get(ack.sessionId);
          if (n === 1 && at !== undefined) latency.push(performance.now() - at);
        },
        onState(state, error) {
          if (error && state !== 'online' && killedAt !== undefined && m.downSince !== undefined && m.downSince >= killedAt - 100) count(failedAttempts, error);
          if (state !== 'online') {
            m.downSince ??= performance.now();
            return;
          }
          if (m.downSince !== undefined && killedAt !== undefined && m.downSince >= killedAt - 100) reconnects.push(performance.now() - killedAt);
          m.downSince = undefined;
          // The outbox's rule: what was not acked yet is sent again after a reconnect.
          for (const body of m.unacked.values()) void m.link.publishSession(body).catch(() => undefined);
        },
      },
    });
    return m;
  });
  const deadline = Date.now() + 60_000;
  while (mirrors.some((m) => m.link.state() !== 'online')) {
    if (Date.now() > deadline) throw new Error('mirrors did not all connect within 60 s');
    await sleep(100);
  }
  console.log(`[${opts.label}] ${MIRRORS} mirrors connected; streaming ${SESSIONS} sessions at ${RATE}/s${opts.kill ? ', SIGKILL of one gateway at 40 %' : ''}`);

  const ids: string[] = [];
  const cpu0 = gateways.reduce((s, g) => s + procStat(g.child.pid).cpuS, 0);
  const t0 = performance.now();
  const victim = gateways[opts.gateways - 1]!;
  let victimCpuS = 0;
  for (let i = 0; i < SESSIONS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (opts.kill && i === Math.floor(SESSIONS * 0.4)) {
      victimCpuS = procStat(victim.child.pid).cpuS;
      victim.child.kill('SIGKILL');
      killedAt = performance.now();
      console.log(`[${opts.label}] gateway on port ${victim.port} killed (SIGKILL) after ${i} sessions`);
    }
    const m = mirrors[i % MIRRORS]!;
    const body = randomWorkout();
    ids.push(body.sessionId);
    m.unacked.set(body.sessionId, body);
    sentAt.set(body.sessionId, performance.now());
    void m.link.publishSession(body).catch(() => undefined); // kept in `unacked`: sent again on reconnect
  }

  // Until every session is in both stores (stalled jobs of the killed gateway's workers are taken over after BullMQ's lock expires).
  const firestore = openFirestore({ projectId: PROJECT, emulatorHost: opts.emulatorHost });
  const counts = async () => {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT session_id, COUNT(*) AS n FROM workout_sessions GROUP BY session_id');
    const mysql = new Map(rows.map((r) => [String(r.session_id), Number(r.n)]));
    const fs = new Map<string, number>();
    for (let u = 0; u < USERS; u++) {
      for (const d of (await firestore.collection(`users/bench-user-${u}/workoutSessions`).get()).docs) fs.set(d.id, (fs.get(d.id) ?? 0) + 1);
    }
    return { mysql, fs };
  };
  let c = await counts();
  const settleBy = Date.now() + 120_000;
  let lastStoredAt = performance.now();
  while (Date.now() < settleBy && ids.some((id) => !c.mysql.has(id) || !c.fs.has(id))) {
    await sleep(1000);
    const before = c.mysql.size + c.fs.size;
    c = await counts();
    if (c.mysql.size + c.fs.size > before) lastStoredAt = performance.now();
  }
  if (!ids.some((id) => !c.mysql.has(id) || !c.fs.has(id))) lastStoredAt = Math.min(lastStoredAt, performance.now());
  const seconds = (lastStoredAt - t0) / 1000;
  const gatewayCpuS = gateways.reduce((s, g) => s + (g === victim && opts.kill ? victimCpuS : procStat(g.child.pid).cpuS), 0) - cpu0;
  await sleep(1000); // late acks
  const result: RunResult = {
    published: ids.length,
    lost: { firestore: ids.filter((id) => !c.fs.has(id)).length, mysql: ids.filter((id) => !c.mysql.has(id)).length },
    doubled: [...c.mysql.values(), ...c.fs.values()].filter((n) => n > 1).length,
    sessionsPerS: ids.length / seconds,
    latency: latency.sort((a, b) => a - b),
    reconnects: reconnects.sort((a, b) => a - b),
    failedAttempts,
    landedOn,
    stillDown: mirrors.filter((m) => m.link.state() !== 'online').length,
    storedAcksDoubled: [...storedAcks.values()].filter((n) => n > 1).length,
    gatewayCpuS,
  };

  await Promise.all(mirrors.map((m) => m.link.close()));
  await closeFirestore(firestore).catch(() => undefined);
  for (const g of gateways) {
    if (g.child.exitCode !== null || g.child.signalCode !== null) continue;
    g.child.kill('SIGTERM');
    await once(g.child, 'exit');
  }
  if (workers && workers.exitCode === null) {
    workers.kill('SIGTERM');
    await once(workers, 'exit');
  }
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
  await db.drop();
  return result;
}

async function main() {
  const emulator = await startChild('bench/ingest/firestoreEmulator.ts', {}, /"host"/);
  const emulatorHost = (JSON.parse(emulator.line) as { host: string }).host;
  try {
    const baseline = args['no-baseline'] ? undefined : await run({ label: 'baseline', gateways: 1, cluster: false, kill: false, emulatorHost });
    const cluster = await run({ label: 'cluster', gateways: GATEWAYS, cluster: true, kill: true, emulatorHost });
    const row = (name: string, r: RunResult) =>
      `| ${name} | ${r.published} | ${r.lost.firestore} / ${r.lost.mysql} | ${r.doubled} | ${r.storedAcksDoubled} | ${r.sessionsPerS.toFixed(0)} | ${percentile(r.latency, 50).toFixed(0)} / ${percentile(r.latency, 99).toFixed(0)} | ${((r.gatewayCpuS * 1000) / r.published).toFixed(2)} |`;
    console.log(`
bench/cluster: ${MIRRORS} mirrors (the agent's MQTT link), ${SESSIONS} sessions offered at ${RATE}/s; Firestore emulator in its own process
| run | sessions | lost (Firestore / MySQL) | doubled in a store | stored acks sent twice | sessions/s into both stores | publish → stored p50 / p99 ms | gateway CPU ms / session |
|---|---|---|---|---|---|---|---|
${baseline ? `${row('baseline: 1 gateway, broker in memory', baseline)}\n` : ''}${row(`${GATEWAYS} gateways on Redis, one SIGKILLed at 40 %`, cluster)}
Failover (${args['old-failover'] ? 'old: the listed order' : "the link's failover order"}): mirrors of the killed gateway reconnected: ${cluster.reconnects.length}, after p50 ${percentile(cluster.reconnects, 50).toFixed(0)} ms, p99 ${percentile(cluster.reconnects, 99).toFixed(0)} ms, max ${(cluster.reconnects.at(-1) ?? NaN).toFixed(0)} ms (goal < 10 s); not connected at the end: ${cluster.stillDown}
  came back on (gateway port: mirrors): ${[...cluster.landedOn].map(([p, n]) => `${p}: ${n}`).join(', ') || '-'}; failed attempts after the kill: ${[...cluster.failedAttempts].map(([e, n]) => `${e} ×${n}`).join(', ') || 'none'}
Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}
cluster: ${GATEWAYS} gateways, ${MIRRORS} mirrors, ${cluster.published} sessions, lost ${Math.max(cluster.lost.firestore, cluster.lost.mysql)}, doubled ${cluster.doubled}, ${cluster.sessionsPerS.toFixed(0)} sessions/s`);
  } finally {
    emulator.child.kill('SIGTERM');
  }
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench/cluster failed: ${err.message}`);
  process.exit(1);
});
