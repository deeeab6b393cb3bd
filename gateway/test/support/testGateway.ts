/**
 * A whole gateway for one test file, against the real servers: a throwaway MariaDB database,
 * a random BullMQ prefix on the local Redis, an in-process Firestore emulator, random ports.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { Redis } from 'ioredis';
import { startFirestoreEmulator } from '@pose-coach/cloud-sync';
import { createTestDatabase, type TestDatabase } from '@pose-coach/cloud-sync/testing';
import type { SessionAck } from '@pose-coach/protocol';
import { topicFor } from '@pose-coach/protocol';
import { createGateway, loadGatewayConfig, type Gateway, type GatewayConfig } from '../../src/index.ts';
import { createLogger } from '../../src/log.ts';
import { startTokenIssuer, type TokenIssuer } from './firebaseTokens.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Real time plus what a test skipped: the gateway's pairing codes and connect budget read it (createGateway's `clock`). */
export interface TestClock {
  now(): number;
  /** Moves the clock on by `ms` at once, instead of waiting (a poll interval, a code's life, a bucket's refill). */
  advance(ms: number): void;
}

function testClock(): TestClock {
  let skippedMs = 0;
  return { now: () => Date.now() + skippedMs, advance: (ms) => void (skippedMs += ms) };
}

export interface TestGateway {
  gateway: Gateway;
  clock: TestClock;
  db: TestDatabase;
  tokens: TokenIssuer;
  prefix: string;
  /** Creates a device, pairs it with `uid` unless null, and returns its credentials. */
  provision(uid?: string | null): Promise<{ deviceId: string; secret: string; uid: string }>;
  connect(deviceId: string, secret: string, opts?: IClientOptions): Promise<MqttClient>;
  /** Publishes a session as the device and resolves with the acks seen for it until `until` matches. */
  publishSession(client: MqttClient, deviceId: string, session: unknown, until?: (a: SessionAck) => boolean): Promise<SessionAck[]>;
  /** Resolves once no store job is waiting, running or delayed: whatever was queued has been written (or has failed). */
  queuesSettled(timeoutMs?: number): Promise<void>;
  /** Closes the gateway and starts a new one on the same database, Redis prefix and data folder (new ports). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export { exampleSession as makeSession } from '@pose-coach/protocol/testing';

/** What the gateways of one test cluster share (a gateway in its own process joins with these too). */
export interface ClusterShare {
  db: TestDatabase;
  tokens: TokenIssuer;
  prefix: string;
  dataDir: string;
  emulatorHost: string | undefined;
}

/**
 * What gateways of one cluster share, made for gateways started in their own processes or joined
 * later (a Firestore emulator, a migrated database, a token issuer, a Redis prefix, a data dir);
 * `close()` removes all of it, Redis keys included.
 */
export async function startClusterShare(): Promise<ClusterShare & { close(): Promise<void> }> {
  const emulator = await startFirestoreEmulator({ port: 0 });
  const share: ClusterShare = {
    db: await createTestDatabase(),
    tokens: await startTokenIssuer(),
    prefix: `pc-test-${randomBytes(4).toString('hex')}`,
    dataDir: mkdtempSync(join(tmpdir(), 'pc-gateway-')),
    emulatorHost: emulator.host,
  };
  return {
    ...share,
    async close() {
      const redis = new Redis(REDIS_URL);
      const left = await redis.keys(`${share.prefix}:*`);
      if (left.length) await redis.del(...left);
      redis.disconnect();
      await share.db.drop();
      await share.tokens.close();
      rmSync(share.dataDir, { recursive: true, force: true });
      await emulator.stop();
    },
  };
}

export async function startTestGateway(
  overrides: Partial<GatewayConfig> = {},
  opts: {
    mysqlUrl?: (dbUrl: string) => Promise<string> | string;
    /** Runs on the new database before the gateway migrates it (an older schema already there, say). */
    beforeMigrations?: (db: TestDatabase) => Promise<void>;
    /** Another gateway of the same cluster (or what it shares): its database, Redis prefix, Firestore, TLS certificate and token issuer; stopping this one leaves them. */
    joining?: TestGateway | ClusterShare;
  } = {},
): Promise<TestGateway> {
  const j = opts.joining;
  const shared: ClusterShare | undefined =
    j && 'gateway' in j ? { db: j.db, tokens: j.tokens, prefix: j.prefix, dataDir: j.gateway.config.GATEWAY_DATA_DIR, emulatorHost: j.gateway.emulatorHost } : j;
  const db = shared?.db ?? (await createTestDatabase({ migrate: !opts.beforeMigrations }));
  if (!shared && opts.beforeMigrations) await opts.beforeMigrations(db);
  const tokens = shared?.tokens ?? (await startTokenIssuer());
  const prefix = shared?.prefix ?? `pc-test-${randomBytes(4).toString('hex')}`;
  const dataDir = shared ? shared.dataDir : mkdtempSync(join(tmpdir(), 'pc-gateway-'));
  // A gateway joining another in this process reads the same test clock.
  const clock = (j && 'gateway' in j ? j.clock : undefined) ?? testClock();
  const mysqlUrl = opts.mysqlUrl ? await opts.mysqlUrl(db.url) : db.url;
  const config = loadGatewayConfig(
    {},
    {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_MQTT_PORT: 0,
      GATEWAY_MQTTS_PORT: 0,
      GATEWAY_HTTP_PORT: 0,
      GATEWAY_DATA_DIR: dataDir,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      MYSQL_URL: mysqlUrl,
      FIREBASE_PROJECT_ID: tokens.projectId,
      FIREBASE_JWKS_URL: tokens.jwksUrl,
      STORE_BACKOFF_MS: 200,
      LOG_LEVEL: 'silent',
      ...(shared ? { FIRESTORE_EMULATOR_HOST: shared.emulatorHost, MQTT_CLUSTER: 'redis' as const } : {}),
      ...overrides,
    },
  );
  const gateway = await createGateway(config, { log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), clock: clock.now });
  const clients = new Set<MqttClient>();

  const tg: TestGateway = {
    gateway,
    clock,
    db,
    tokens,
    prefix,
    async provision(uid = `user-${randomBytes(4).toString('hex')}`) {
      const { deviceId, secret } = await tg.gateway.registry.create();
      if (uid !== null) await tg.gateway.registry.bind(deviceId, uid, { displayName: 'Test Person' });
      return { deviceId, secret, uid: uid ?? '' };
    },
    async restart() {
      await tg.gateway.close();
      tg.gateway = await createGateway(config, { log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), clock: clock.now });
    },
    async connect(deviceId, secret, o = {}) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${tg.gateway.mqttPort}`, {
        clientId: deviceId,
        username: deviceId,
        password: secret,
        clean: false,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...o,
      });
      clients.add(client);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await client.subscribeAsync(topicFor('sessionsAck', deviceId), { qos: 1 });
      return client;
    },
    publishSession(client, deviceId, session, until = (a) => a.status !== 'queued') {
      const sessionId = (session as { sessionId?: string }).sessionId ?? '';
      const acks: SessionAck[] = [];
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          client.off('message', onMessage);
          reject(new Error(`no final ack for ${sessionId}; saw ${JSON.stringify(acks)}`));
        }, 20_000);
        const onMessage = (topic: string, payload: Buffer) => {
          if (topic !== topicFor('sessionsAck', deviceId)) return;
          const ack = JSON.parse(payload.toString()) as SessionAck;
          if (ack.sessionId !== sessionId) return;
          acks.push(ack);
          if (until(ack)) {
            clearTimeout(timer);
            client.off('message', onMessage);
            resolve(acks);
          }
        };
        client.on('message', onMessage);
        client.publish(topicFor('sessions', deviceId), typeof session === 'string' ? session : JSON.stringify(session), { qos: 1 });
      });
    },
    async queuesSettled(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = Object.values(await tg.gateway.queues.counts());
        if (counts.every((c) => !c.waiting && !c.active && !c.delayed)) return;
        if (Date.now() > deadline) throw new Error(`store queues still busy: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      for (const c of clients) await c.endAsync(true).catch(() => undefined);
      await tg.gateway.close();
      if (shared) return;
      await tokens.close();
      // Remove this test's BullMQ keys.
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return tg;
}

/** Two gateways of one cluster: A, and B joining it. */
export interface TestGatewayPair {
  a: TestGateway;
  b: TestGateway;
  /** Starts another gateway of the cluster, with the pair's settings; the caller stops it. */
  join(): Promise<TestGateway>;
  /** Stops B, then A, then their Firestore emulator. */
  stop(): Promise<void>;
}

/**
 * Two gateways on one Redis (MQTT_CLUSTER=redis) sharing MariaDB, the Redis prefix, a Firestore
 * emulator of their own and the TLS certificate; `overrides` apply to both.
 */
export async function startGatewayPair(overrides: Partial<GatewayConfig> = {}): Promise<TestGatewayPair> {
  const emulator = await startFirestoreEmulator({ port: 0 });
  let a: TestGateway | undefined;
  try {
    const cluster = { ...overrides, MQTT_CLUSTER: 'redis' as const, FIRESTORE_EMULATOR_HOST: emulator.host };
    a = await startTestGateway(cluster);
    const b = await startTestGateway(cluster, { joining: a });
    const first = a;
    return {
      a,
      b,
      join: () => startTestGateway(cluster, { joining: first }),
      async stop() {
        await b.stop();
        await first.stop();
        await emulator.stop();
      },
    };
  } catch (err) {
    // Half started: leave nothing running behind the failure.
    await a?.stop().catch(() => undefined);
    await emulator.stop().catch(() => undefined);
    throw err;
  }
}
