/**
 * bench/fleet: a simulated fleet on one gateway.
 *
 *   npm run bench:fleet -- [--mirrors 1000] [--telemetry-s 30] [--steady-s 60] [--silent 20] [--connect-rate 200] [--former-hash] [--former-accept]
 *
 * The gateway runs as its own process (`gateway/src/main.ts`, Firestore emulator apart as in
 * bench/ingest), the mirrors in another (bench/fleet/mirrors.ts, raw MQTT over loopback). Figures:
 * gateway resident memory and CPU with every mirror connected and sending telemetry, the time from
 * a mirror's last telemetry to the fleet API showing it offline (its socket stays open, so only
 * the heartbeat timeout can tell), and the time for a fleet-wide config change to reach every
 * mirror and for every mirror's report of it to reach the gateway.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createTestDatabase } from '@pose-coach/cloud-sync/testing';
import type { FleetDeviceView } from '@pose-coach/protocol';
import { freePort, procStat, startChild } from '../support/processes.ts';
import { hashDeviceSecret, hashDeviceSecretScrypt, newDeviceSecret } from '../../gateway/src/devices/deviceSecrets.ts';

const { values: args } = parseArgs({
  options: {
    mirrors: { type: 'string', default: '1000' },
    'telemetry-s': { type: 'string', default: '30' },
    'steady-s': { type: 'string', default: '60' },
    silent: { type: 'string', default: '20' },
    /** New connections per second: each costs the gateway a MySQL lookup and a hash check of the secret. */
    'connect-rate': { type: 'string', default: '200' },
    'former-hash': { type: 'boolean', default: false },
    /** As before: one connection accepted per event-loop turn (MQTT_ACCEPTS_PER_TURN=1) and one MySQL query per connect (MQTT_CONNECT_LOOKUP_BATCH=1). */
    'former-accept': { type: 'boolean', default: false },
  },
});
const N = Number(args.mirrors);
const TELEMETRY_S = Number(args['telemetry-s']);
const STEADY_S = Number(args['steady-s']);
const SILENT = Number(args.silent);
const OFFLINE_AFTER_S = TELEMETRY_S * 1.5;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = randomBytes(24).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const PORTS = { mqtt: await freePort(), mqtts: await freePort(), http: await freePort() };
  const db = await createTestDatabase();
  const prefix = `pc-fleetbench-${randomBytes(3).toString('hex')}`;
  const emulator = await startChild('bench/ingest/firestoreEmulator.ts', {}, /"host"/);
  const gateway = await startChild(
    'gateway/src/main.ts',
    {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_MQTT_PORT: String(PORTS.mqtt),
      GATEWAY_MQTTS_PORT: String(PORTS.mqtts),
      GATEWAY_HTTP_PORT: String(PORTS.http),
      GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'pc-fleetbench-')),
      MYSQL_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      FIRESTORE_EMULATOR_HOST: (JSON.parse(emulator.line) as { host: string }).host,
      FLEET_ADMIN_TOKEN: ADMIN,
      FLEET_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
      MQTT_CONNECT_RATE_PER_ADDRESS: '0', // every simulated mirror shares 127.0.0.1
      ...(args['former-accept'] ? { MQTT_ACCEPTS_PER_TURN: '1', MQTT_CONNECT_LOOKUP_BATCH: '1' } : {}),
      LOG_LEVEL: 'info',
    },
    /HTTP API listening/,
  );
  const gpid = gateway.child.pid!;
  const http = `http://127.0.0.1:${PORTS.http}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${http}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const idle = procStat(gpid);

  // Provision: one secret for the whole simulated fleet (each connect still verifies it).
  // --former-hash stores the scrypt hashes older gateways made (the baseline of the connect storm).
  const secret = newDeviceSecret();
  const hash = args['former-hash'] ? await hashDeviceSecretScrypt(secret) : hashDeviceSecret(secret);
  for (let i = 0; i < N; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, N - i) }, (_, k) => [`fleet-bench-${i + k}`, hash]);
    await db.pool.query('INSERT INTO devices (device_id, secret_hash) VALUES ?', [rows]);
  }

  const mirrors = fork(join(import.meta.dirname, 'mirrors.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_MQTT_PORT: String(PORTS.mqtt), BENCH_MIRRORS: String(N), BENCH_SECRET: secret, BENCH_TELEMETRY_S: String(TELEMETRY_S), BENCH_CONNECTS_PER_S: String(args['connect-rate']) },
  });
  const mirrorsIdle = procStat(mirrors.pid);
  const inbox: Record<string, any>[] = [];
  mirrors.on('message', (m) => inbox.push(m as Record<string, any>));
  const next = async (type: string, timeoutMs = 900_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${type} from the mirrors process`);
      await sleep(50);
    }
  };
  const online = async () => ((await api('GET', '/fleet/api/devices?status=online')).devices as FleetDeviceView[]).length;

  try {
    const conn = await next('connected');
    const mirrorsConnected = procStat(mirrors.pid);
    console.error(`connected ${conn.n}/${N} in ${conn.seconds.toFixed(1)} s (${conn.failed} refused, ${conn.retries} connects retried)`);
    for (let i = 0; (await online()) < conn.n && i < 120; i++) await sleep(1000);
    const connectedAt = procStat(gpid);

    // Steady state; a few mirrors go silent (sockets open) at its start.
    mirrors.send({ type: 'silence', count: SILENT });
    const silenced = await next('silenced');
    const silentSince = new Map<string, number>(silenced.ids.map((id: string, k: number) => [id, silenced.lastTelemetryAt[k] as number]));
    const detected = new Map<string, number>();
    const s0 = procStat(gpid);
    const w0 = Date.now();
    let peakRss = s0.rssMiB;
    while (Date.now() - w0 < STEADY_S * 1000 || (detected.size < silentSince.size && Date.now() - w0 < (OFFLINE_AFTER_S + 30) * 1000)) {
      await sleep(1000);
      peakRss = Math.max(peakRss, procStat(gpid).rssMiB);
      for (const id of silentSince.keys()) {
        if (detected.has(id)) continue;
        const d = (await api('GET', `/fleet/api/devices/${id}`)).device as FleetDeviceView;
        if (d.status === 'offline') detected.set(id, Date.now());
      }
    }
    const s1 = procStat(gpid);
    const steadyWall = (Date.now() - w0) / 1000;
    const detectS = [...detected].map(([id, at]) => (at - silentSince.get(id)!) / 1000).sort((a, b) => a - b);

    // A fleet-wide config change: to every mirror, and every mirror's report back at the gateway.
    const c0 = procStat(gpid);
    const t0 = Date.now();
    const { version } = await api('PATCH', '/fleet/api/config/fleet', { set: { 'coach.idleEndS': 15, 'telemetry.intervalS': TELEMETRY_S } });
    const patchMs = Date.now() - t0;
    let stats: Record<string, any> = {};
    for (;;) {
      mirrors.send({ type: 'configStats', version, since: t0 });
      stats = await next('configStats');
      if (stats.received >= conn.n || Date.now() - t0 > 120_000) break;
      await sleep(200);
    }
    let reportedAllMs = NaN;
    for (;;) {
      const devs = (await api('GET', '/fleet/api/devices')).devices as FleetDeviceView[];
      if (devs.filter((d) => d.reportedVersion === version).length >= conn.n) {
        reportedAllMs = Date.now() - t0;
        break;
      }
      if (Date.now() - t0 > 120_000) break;
      await sleep(250);
    }
    const c1 = procStat(gpid);

    const row = (k: string, v: string) => console.log(`| ${k.padEnd(58)} | ${v.padStart(18)} |`);
    console.log(`\nbench/fleet: ${conn.n} mirrors, telemetry every ${TELEMETRY_S} s, offline after ${OFFLINE_AFTER_S} s silent (2 cores shared)\n`);
    console.log(`| ${'figure'.padEnd(58)} | ${'value'.padStart(18)} |\n|${'-'.repeat(60)}|${'-'.repeat(20)}|`);
    row('gateway RSS idle, before any mirror (MiB)', idle.rssMiB.toFixed(0));
    row(`gateway RSS with ${conn.n} connected (MiB)`, connectedAt.rssMiB.toFixed(0));
    row('gateway RSS peak during steady state (MiB)', peakRss.toFixed(0));
    row('gateway RSS high-water mark, whole run (MiB)', c1.hwmMiB.toFixed(0));
    row('connect storm: mirrors connected per second', (conn.n / conn.seconds).toFixed(0));
    row('connect storm: connections retried (closed before CONNACK)', String(conn.retries));
    row('connect storm: first attempt → CONNACK p50 / p99 / max (ms)', `${conn.connack.p50Ms} / ${conn.connack.p99Ms} / ${conn.connack.maxMs}`);
    row("connect storm: CONNACK later than the agent's 15 s timeout", String(conn.connack.overTimeout));
    row('connect storm: attempt → TCP established, p50 / p99 (ms)', `${conn.tcp.p50Ms} / ${conn.tcp.p99Ms}`);
    row("connect storm: mirrors process's event loop late, max (ms)", String(conn.loopLagMaxMs));
    row('gateway CPU during connect storm (CPU s)', (connectedAt.cpuS - idle.cpuS).toFixed(1));
    // The simulated fleet is one process too: near one CPU second per wall second, it is the limit.
    row('mirrors process CPU during connect storm (CPU s)', (mirrorsConnected.cpuS - mirrorsIdle.cpuS).toFixed(1));
    // Ready to run but waiting for a core: what the machine's other load took (2 cores shared).
    row('connect storm: gateway / mirrors waiting for a core (s)', `${(connectedAt.runQueueS - idle.runQueueS).toFixed(1)} / ${(mirrorsConnected.runQueueS - mirrorsIdle.runQueueS).toFixed(1)}`);
    row(`gateway CPU, steady telemetry (% of one core, ${steadyWall.toFixed(0)} s)`, (((s1.cpuS - s0.cpuS) / steadyWall) * 100).toFixed(1));
    row(`silent mirrors detected offline`, `${detectS.length}/${silentSince.size}`);
    row('time from last telemetry to offline, median / max (s)', `${detectS[Math.floor(detectS.length / 2)]?.toFixed(1)} / ${detectS.at(-1)?.toFixed(1)}`);
    row('  … in telemetry periods (max)', ((detectS.at(-1) ?? NaN) / TELEMETRY_S).toFixed(2));
    row('config change: PATCH answered (ms)', String(patchMs));
    row(`config change reached mirrors (${stats.received}/${conn.n}): p50 / p99 / max (ms)`, `${stats.p50Ms} / ${stats.p99Ms} / ${stats.maxMs}`);
    row('config change reported back by every mirror (ms)', String(reportedAllMs));
    row('gateway CPU for the config change (CPU s)', (c1.cpuS - c0.cpuS).toFixed(1));
  } finally {
    mirrors.send({ type: 'stop' });
    gateway.child.kill('SIGTERM');
    emulator.child.kill('SIGTERM');
    await sleep(1500);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db.drop();
  }
}

await main();
process.exit(0);
