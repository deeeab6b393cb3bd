/**
 * `npm run bench:consistency [-- --mirrors 20 --sessions 1000 --rate 50 --cut-s 30]`: the fault
 * campaign of issue 13 on one machine. Mirrors (MQTT clients that keep every session until it is
 * acked `queued`, like the device outbox) publish sessions to a gateway running as its own
 * process; meanwhile the gateway is killed with SIGKILL and restarted twice, and MySQL is cut for
 * `--cut-s` seconds through a loopback proxy. When everything is acked and the queues are empty,
 * the stores are counted and reconciled. Closing line:
 *   consistency: M mirrors, S sessions acked, MySQL X, Firestore Y, stored acks A, lost L, doubled D, reconcile differences R
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { createFirestoreSessionRepository, createMysqlSessionRepository, reconcileStores } from '@pose-coach/cloud-sync';
import { createTestDatabase, createTestFirestore } from '@pose-coach/cloud-sync/testing';
import { topicFor, type SessionAck } from '@pose-coach/protocol';
import { exampleSession } from '@pose-coach/protocol/testing';
import { createDeviceRegistry, createStoreQueues } from '@pose-coach/gateway';
import { startTcpProxy } from '../../gateway/test/support/tcpProxy.ts';
import { freePort, startChild } from '../support/processes.ts';

const { values: args } = parseArgs({
  options: {
    mirrors: { type: 'string', default: '20' },
    sessions: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
    'cut-s': { type: 'string', default: '30' },
  },
});
const MIRRORS = Number(args.mirrors);
const SESSIONS = Number(args.sessions);
const RATE = Number(args.rate);
const CUT_S = Number(args['cut-s']);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function main() {
  const [db, fs] = await Promise.all([createTestDatabase(), createTestFirestore()]);
  const proxy = await startTcpProxy('127.0.0.1', 3306);
  const prefix = `pc-bench-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-consistency-'));
  const mqttPort = await freePort();
  const env = {
    GATEWAY_HOST: '127.0.0.1', GATEWAY_MQTT_PORT: String(mqttPort), GATEWAY_MQTTS_PORT: '0', GATEWAY_HTTP_PORT: '0',
    GATEWAY_DATA_DIR: dataDir, REDIS_URL, QUEUE_PREFIX: prefix,
    MYSQL_URL: db.url.replace('127.0.0.1:3306', `127.0.0.1:${proxy.port}`),
    FIRESTORE_EMULATOR_HOST: fs.emulatorHost, FIREBASE_PROJECT_ID: fs.projectId,
    STORE_BACKOFF_MS: '500', STORE_BACKOFF_MAX_MS: '5000', RECONCILE_EVERY_S: '0', LOG_LEVEL: 'warn',
  };
  let gateway: ChildProcess | undefined;
  const startGateway = async () => {
    gateway = (await startChild('gateway/test/support/gatewayChild.ts', env, /^ready/)).child;
  };

  // Mirrors, each paired with its own person.
  const registry = createDeviceRegistry(db.pool);
  const devices: { deviceId: string; secret: string; uid: string }[] = [];
  for (let i = 0; i < MIRRORS; i++) {
    const d = await registry.create();
    const uid = `bench-${i}-${randomUUID().slice(0, 8)}`;
    await registry.bind(d.deviceId, uid, { displayName: `Person ${i}` });
    devices.push({ ...d, uid });
  }
  await startGateway();
  log(`gateway up (MQTT ${mqttPort}); ${MIRRORS} mirrors, ${SESSIONS} sessions at ${RATE}/s, MySQL cut ${CUT_S} s, two SIGKILLs`);

  const outboxes = new Map<string, Map<string, string>>(); // deviceId → sessionId → payload, until acked
  const released = new Set<string>();
  const storedAcks = new Set<string>();
  const owner = new Map<string, string>();
  const clients: MqttClient[] = [];
  for (const d of devices) {
    const outbox = new Map<string, string>();
    outboxes.set(d.deviceId, outbox);
    const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: d.deviceId, username: d.deviceId, password: d.secret, clean: false, reconnectPeriod: 500 });
    client.on('connect', () => {
      void client.subscribeAsync(topicFor('sessionsAck', d.deviceId), { qos: 1 }).then(() => {
        for (const payload of outbox.values()) client.publish(topicFor('sessions', d.deviceId), payload, { qos: 1 });
      }).catch(() => undefined);
    });
    client.on('error', () => undefined);
    client.on('message', (_t, p) => {
      const ack = JSON.parse(p.toString()) as SessionAck;
      if (ack.status === 'queued' || ack.status === 'stored') {
        outbox.delete(ack.sessionId);
        released.add(ack.sessionId);
      }
      if (ack.status === 'stored') storedAcks.add(ack.sessionId);
      if (ack.status === 'rejected') log(`rejected ${ack.sessionId}: ${ack.error}`);
    });
    clients.push(client);
  }

  // Faults at a quarter, half and three quarters of the sessions.
  const faults = new Map<number, () => Promise<void>>([
    [Math.floor(SESSIONS / 4), async () => {
      log('SIGKILL gateway');
      gateway!.kill('SIGKILL');
      await sleep(1000);
      await startGateway();
      log('gateway restarted');
    }],
    [Math.floor(SESSIONS / 2), async () => {
      log(`MySQL cut for ${CUT_S} s`);
      proxy.block();
      setTimeout(() => {
        proxy.unblock();
        log('MySQL back');
      }, CUT_S * 1000);
    }],
    [Math.floor((SESSIONS * 3) / 4), async () => {
      log('SIGKILL gateway');
      gateway!.kill('SIGKILL');
      await sleep(1000);
      await startGateway();
      log('gateway restarted');
    }],
  ]);

  const started = Date.now();
  for (let n = 0; n < SESSIONS; n++) {
    const fault = faults.get(n);
    if (fault) void fault();
    const d = devices[n % devices.length]!;
    const session = exampleSession({ duration: 30 + (n % 7) + 0.5, accuracy: 0.5 + (n % 100) / 1000 });
    const payload = JSON.stringify(session);
    owner.set(session.sessionId, d.uid);
    outboxes.get(d.deviceId)!.set(session.sessionId, payload);
    clients[n % clients.length]!.publish(topicFor('sessions', d.deviceId), payload, { qos: 1 });
    const due = started + ((n + 1) * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  log(`all ${SESSIONS} published; waiting for every ack and for the queues to drain`);
  // Unacked ones are re-sent every 5 s, like the device outbox does.
  const resend = setInterval(() => {
    for (const [i, d] of devices.entries()) for (const p of outboxes.get(d.deviceId)!.values()) clients[i]!.publish(topicFor('sessions', d.deviceId), p, { qos: 1 });
  }, 5000);
  const queues = createStoreQueues({ redisUrl: REDIS_URL, prefix, attempts: 0, backoffMs: 500 });
  const deadline = Date.now() + (CUT_S + 300) * 1000;
  for (;;) {
    const counts = await queues.counts();
    const pending = Object.values(counts).reduce((n, c) => n + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0), 0);
    if (released.size >= SESSIONS && pending === 0 && storedAcks.size >= SESSIONS) break;
    if (Date.now() > deadline) {
      log(`gave up waiting: released ${released.size}, pending jobs ${pending}, stored acks ${storedAcks.size}`);
      break;
    }
    await sleep(1000);
  }
  clearInterval(resend);
  const drainedS = (Date.now() - started) / 1000;

  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS d FROM workout_sessions');
  const firestore = createFirestoreSessionRepository(fs.firestore);
  let docs = 0;
  for (const d of devices) {
    let cursor: string | undefined;
    do {
      const page = await firestore.page(d.uid, { limit: 500, cursor });
      docs += page.sessions.length;
      cursor = page.nextCursor;
    } while (cursor);
  }
  const rStart = performance.now();
  const report = await reconcileStores({ firestore, mysql: createMysqlSessionRepository(db.pool), db: db.pool }, { settleMs: 0 });
  const rMs = performance.now() - rStart;
  const failed = Object.values(await queues.counts()).reduce((n, c) => n + (c.failed ?? 0), 0);
  const differences = report.missingInFirestore + report.missingInMysql + report.different + report.deleted;
  const lost = released.size - Math.min(Number(rows[0]!.d), docs);
  log(`drained in ${drainedS.toFixed(0)} s; dead letters ${failed}; reconcile checked ${report.checked} in ${rMs.toFixed(0)} ms`);
  console.log(
    `consistency: ${MIRRORS} mirrors, ${released.size} sessions acked, MySQL ${rows[0]!.n}, Firestore ${docs}, stored acks ${storedAcks.size}, lost ${lost}, doubled ${Number(rows[0]!.n) - Number(rows[0]!.d)}, reconcile differences ${differences}`,
  );

  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  gateway?.kill('SIGTERM');
  await queues.close();
  await proxy.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await Promise.all([db.drop(), fs.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(differences === 0 && lost === 0 ? 0 : 1);
}

main().catch((err: Error) => {
  console.error(`bench:consistency failed: ${err.message}`);
  process.exit(1);
});
