/**
 * bench/ingest: sessions from many simulated mirrors, publish → stored in Firestore and MySQL.
 *
 *   npm run bench:ingest -- [--devices 1000] [--sessions 5000] [--rate 500] [--rate-seconds 15] [--split-workers] [--baseline] [--baseline-ref REF]
 *
 * The gateway runs as its own process (`gateway/src/main.ts`), the Firestore emulator in another
 * (as a remote Firestore would be), and the mirrors here. A session's latency is from its publish
 * to the mirror receiving `sessions/ack` `stored`, which the gateway sends only after both stores
 * have written it. Phase 1 publishes all sessions at once (throughput); phase 2 publishes at a
 * fixed rate (latency under a steady load). --baseline first runs everything with BATCH_MAX=1 (each
 * session written on its own: the unbatched path) and then as configured, and prints both.
 * --baseline-ref REF first runs the gateway of an earlier commit (e.g. the last release) the same
 * way, so the two are compared under the same load (checkoutOf in bench/support/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import mqtt, { type MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase } from '@pose-coach/cloud-sync/testing';
import { topicFor, type SessionAck } from '@pose-coach/protocol';
import { checkoutOf, freePort, procStat, startChild } from '../support/processes.ts';
import { createDeviceRegistry } from '../../gateway/src/devices/deviceRegistry.ts';
import { randomWorkout } from '../../gateway/src/dev/randomWorkout.ts';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    sessions: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '500' },
    'rate-seconds': { type: 'string', default: '15' },
    'split-workers': { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    'baseline-ref': { type: 'string' },
  },
});
const DEVICES = Number(args.devices);
const SESSIONS = Number(args.sessions);
const RATE = Number(args.rate);
const RATE_SECONDS = Number(args['rate-seconds']);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function pidOf(name: string): number | undefined {
  const out = spawnSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).stdout.trim();
  return out ? Number(out) : undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

interface RunResult {
  report: string;
  burstRate: number;
  cpuMsPerSession: number;
}

/** One run; `cwd`: the checkout whose gateway runs (default this one). */
async function runOnce(label: string, extraEnv: Record<string, string>, cwd?: string): Promise<RunResult> {
  const PORTS = { mqtt: await freePort(), mqtts: await freePort(), http: await freePort() };
  const db = await createTestDatabase();
  const prefix = `pc-bench-${randomBytes(3).toString('hex')}`;
  const emulator = await startChild('bench/ingest/firestoreEmulator.ts', {}, /"host"/);
  const emulatorHost = (JSON.parse(emulator.line) as { host: string }).host;
  const gatewayEnv = {
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_MQTT_PORT: String(PORTS.mqtt),
    GATEWAY_MQTTS_PORT: String(PORTS.mqtts),
    GATEWAY_HTTP_PORT: String(PORTS.http),
    GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'pc-bench-')),
    MYSQL_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    FIRESTORE_EMULATOR_HOST: emulatorHost,
    LOG_LEVEL: 'info',
    MQTT_CONNECT_RATE_PER_ADDRESS: '0', // every simulated mirror shares 127.0.0.1
    RUN_WORKERS: String(!args['split-workers']),
    ...extraEnv,
  };
  const gateway = await startChild('gateway/src/main.ts', gatewayEnv, /HTTP API listening/, { cwd });
  const workers = args['split-workers'] ? await startChild('gateway/src/workerMain.ts', gatewayEnv, /store workers running/, { cwd }) : undefined;

  // Provision and pair the mirrors.
  const registry = createDeviceRegistry(db.pool);
  const bar = new cliProgress.SingleBar({ format: '{task} [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic);
  bar.start(DEVICES, 0, { task: 'provision' });
  const creds: Array<{ deviceId: string; secret: string }> = [];
  for (let i = 0; i < DEVICES; i++) {
    const c = await registry.create({ deviceId: `bench-${i}` });
    await registry.bind(c.deviceId, `bench-user-${i % 100}`);
    creds.push(c);
    bar.update(i + 1);
  }
  bar.stop();

  // Connect them all, in batches.
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let stored = 0;
  const onAck = (payload: Buffer) => {
    const ack = JSON.parse(payload.toString()) as SessionAck;
    if (ack.status !== 'stored') return;
    const t0 = pending.get(ack.sessionId);
    if (t0 === undefined) return;
    pending.delete(ack.sessionId);
    latencies.push(performance.now() - t0);
    stored++;
  };
  const clients: MqttClient[] = [];
  bar.start(DEVICES, 0, { task: 'connect  ' });
  for (let i = 0; i < DEVICES; i += 50) {
    const batch = creds.slice(i, i + 50).map(async ({ deviceId, secret }) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${PORTS.mqtt}`, { clientId: deviceId, username: deviceId, password: secret, clean: true, reconnectPeriod: 1000 });
      await once(client as unknown as NodeJS.EventEmitter, 'connect');
      await client.subscribeAsync(topicFor('sessionsAck', deviceId), { qos: 1 });
      client.on('message', (_t, p) => onAck(p));
      return client;
    });
    clients.push(...(await Promise.all(batch)));
    bar.update(clients.length);
  }
  bar.stop();

  const publish = (i: number) => {
    const c = i % DEVICES;
    const session = randomWorkout();
    pending.set(session.sessionId, performance.now());
    clients[c]!.publish(topicFor('sessions', creds[c]!.deviceId), JSON.stringify(session), { qos: 1 });
  };
  const waitAll = async (total: number, label: string, timeoutMs: number) => {
    bar.start(total, 0, { task: label });
    const deadline = Date.now() + timeoutMs;
    while (stored < total && Date.now() < deadline) {
      bar.update(stored);
      await new Promise((r) => setTimeout(r, 100));
    }
    bar.update(stored);
    bar.stop();
  };

  // Phase 1: throughput.
  const procs = () => ({
    gateway: procStat(gateway.child.pid).cpuS,
    workers: procStat(workers?.child.pid).cpuS,
    emulator: procStat(emulator.child.pid).cpuS,
    mirrors: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    mariadb: procStat(pidOf('mariadbd')).cpuS,
    redis: procStat(pidOf('redis-server')).cpuS,
  });
  const cpu0 = procs();
  const t0 = performance.now();
  for (let i = 0; i < SESSIONS; i++) {
    publish(i);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await waitAll(SESSIONS, 'burst    ', 180_000);
  const burstSeconds = (performance.now() - t0) / 1000;
  const burstStored = stored;
  const cpu1 = procs();
  const cpuMs = (k: keyof typeof cpu0) => ((cpu1[k] - cpu0[k]) * 1000) / Math.max(1, burstStored);
  const cpuMsPerSession = (k: keyof typeof cpu0) => cpuMs(k).toFixed(2);
  // Everything but the simulated mirrors: what storing a session costs this box.
  const serverCpuMs = cpuMs('gateway') + cpuMs('workers') + cpuMs('emulator') + cpuMs('mariadb') + cpuMs('redis');
  const burst = [...latencies].sort((a, b) => a - b);

  // Phase 2: steady rate.
  latencies.length = 0;
  stored = 0;
  const steadyTotal = RATE * RATE_SECONDS;
  const t1 = performance.now();
  for (let i = 0; i < steadyTotal; i++) {
    const due = t1 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    publish(SESSIONS + i);
  }
  await waitAll(steadyTotal, `${RATE}/s    `, 60_000);
  const steady = [...latencies].sort((a, b) => a - b);

  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM workout_sessions');
  const report = `
${label}
bench/ingest: ${DEVICES} connected mirrors, gateway${args['split-workers'] ? ' (broker+API) and store workers' : ''} and Firestore emulator in their own processes, ${(await import('node:os')).cpus().length} cores
| phase | sessions | stored | sessions/s | p50 ms | p95 ms | p99 ms |
|---|---|---|---|---|---|---|
| burst (all at once) | ${SESSIONS} | ${burstStored} | ${(burstStored / burstSeconds).toFixed(0)} | ${percentile(burst, 50).toFixed(0)} | ${percentile(burst, 95).toFixed(0)} | ${percentile(burst, 99).toFixed(0)} |
| steady ${RATE}/s for ${RATE_SECONDS}s | ${steadyTotal} | ${steady.length} | ${RATE} offered | ${percentile(steady, 50).toFixed(0)} | ${percentile(steady, 95).toFixed(0)} | ${percentile(steady, 99).toFixed(0)} |
MySQL rows written: ${rows[0]!.n} of ${SESSIONS + steadyTotal}
CPU ms per stored session in the burst (load-independent): gateway ${cpuMsPerSession('gateway')}${workers ? `, workers ${cpuMsPerSession('workers')}` : ''}, Firestore emulator ${cpuMsPerSession('emulator')}, MariaDB ${cpuMsPerSession('mariadb')}, Redis ${cpuMsPerSession('redis')} (servers together ${serverCpuMs.toFixed(2)}), simulated mirrors ${cpuMsPerSession('mirrors')}
Load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  console.log(report);

  await Promise.all(clients.map((c) => c.endAsync(true)));
  workers?.child.kill('SIGTERM');
  gateway.child.kill('SIGTERM');
  emulator.child.kill('SIGTERM');
  await once(gateway.child, 'exit');
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
  await db.drop();
  return { report, burstRate: burstStored / burstSeconds, cpuMsPerSession: serverCpuMs };
}

async function main() {
  const ref = args['baseline-ref'];
  const baseline = ref
    ? await runOnce(`## baseline: the gateway of ${ref}`, {}, checkoutOf(ref))
    : args.baseline
      ? await runOnce('## baseline: BATCH_MAX=1 (each session written on its own)', { BATCH_MAX: '1' })
      : undefined;
  const batched = await runOnce(`## this checkout (BATCH_MAX=${process.env.BATCH_MAX ?? 'default'})`, {});
  if (baseline) {
    console.log(`
| | sessions/s (burst) | server CPU ms per stored session |
|---|---|---|
| ${ref ? `gateway of ${ref}` : 'BATCH_MAX=1'} | ${baseline.burstRate.toFixed(0)} | ${baseline.cpuMsPerSession.toFixed(2)} |
| this checkout | ${batched.burstRate.toFixed(0)} | ${batched.cpuMsPerSession.toFixed(2)} |
| ratio | ${(batched.burstRate / baseline.burstRate).toFixed(2)}x | ${(batched.cpuMsPerSession / baseline.cpuMsPerSession).toFixed(2)}x |`);
  }
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench/ingest failed: ${err.message}`);
  process.exit(1);
});
