/**
 * Last Wills on gateways sharing Redis (cluster/willsByClient.ts), against real servers.
 * A CONNECT and a clean DISCONNECT touch the same Redis keys with the same O(1) commands whether
 * 10 or 2,000 other Wills are stored (the package's list scanned every Will with LREM on each);
 * a clean disconnect deletes the Will unpublished; and the Will of a mirror whose gateway was
 * killed with SIGKILL is published by the gateway that survived, then deleted.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import pino from 'pino';
import { Redis } from 'ioredis';
import { topicFor } from '@pose-coach/protocol';
import { createMqttCluster, type MqttCluster } from '../src/cluster/mqttCluster.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.ts';
import { REDIS_URL, startClusterShare, startTestGateway, type TestGateway } from './support/testGateway.ts';

const waitUntil = <T>(what: string, probe: () => T | Promise<T>, timeout = 20_000) =>
  vi.waitUntil(probe, { timeout, interval: 100 }).catch((err: Error) => {
    throw new Error(`timed out waiting for ${what}: ${err.message}`);
  });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Commands naming a key under `keyPrefix`, as Redis' MONITOR sees them (the server is shared: others' are left out). */
async function watchCommands(keyPrefix: string) {
  const monitor = await new Redis(REDIS_URL).monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.slice(1).some((a) => a.startsWith(keyPrefix))) seen.push(args);
  });
  return {
    /** The commands `run` caused, with values left out: name and keys. */
    async during(run: () => Promise<void>): Promise<string[]> {
      const barrier = `${keyPrefix}barrier-${randomBytes(3).toString('hex')}`;
      const redis = new Redis(REDIS_URL);
      await redis.get(barrier);
      await waitUntil('the monitor to catch up', () => seen.some((a) => a[1] === barrier));
      seen.length = 0;
      await run();
      await redis.get(`${barrier}-end`);
      await waitUntil('the monitor to catch up', () => seen.some((a) => a[1] === `${barrier}-end`));
      redis.disconnect();
      return seen.filter((a) => !a[1]!.startsWith(barrier)).map((a) => `${a[0]!.toUpperCase()} ${a.filter((x) => x.startsWith(keyPrefix)).map((k) => k.slice(keyPrefix.length).replace(/[0-9a-f-]{36}/, '<gateway>')).join(' ')}`);
    },
    close: () => monitor.disconnect(),
  };
}

describe('Last Wills on gateways sharing Redis', () => {
  describe('one aedes broker on the cluster persistence', () => {
    const prefix = `pc-test-${randomBytes(4).toString('hex')}`;
    const keyPrefix = `${prefix}:mqtt:`;
    let cluster: MqttCluster;
    let broker: Aedes;
    let server: Server;
    let port: number;
    const redis = new Redis(REDIS_URL);

    beforeAll(async () => {
      cluster = createMqttCluster({ redisUrl: REDIS_URL, prefix, concurrency: 1000, log: pino({ level: 'silent' }) });
      broker = await Aedes.createBroker({ ...cluster.brokerOptions });
      server = createServer((s) => broker.handle(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await cluster.close();
      await new Promise((r) => server.close(r));
      const left = await redis.keys(`${prefix}:*`);
      if (left.length) await redis.del(...left);
      redis.disconnect();
    });

    const connectAndLeave = async (id: string, whileConnected: () => Promise<void> = async () => undefined) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: id,
        clean: true,
        reconnectPeriod: 0,
        will: { topic: topicFor('status', id), payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      await whileConnected();
      await client.endAsync(); // DISCONNECT: a clean leave
    };
    const storeOthers = async (from: number, to: number) => {
      const persistence = (broker as unknown as { persistence: unknown }).persistence as { putWill(c: { id: string }, p: object): Promise<void> };
      for (let i = from; i < to; i++) await persistence.putWill({ id: `other-${i}` }, { topic: topicFor('status', `other-${i}`), payload: Buffer.from('offline'), qos: 1, retain: true });
    };

    it('stores a Will on CONNECT and deletes it unpublished on a clean DISCONNECT', async () => {
      const published: string[] = [];
      broker.on('publish', (p) => p.topic.startsWith('mirrors/') && published.push(p.topic));
      let stored: string | null = null;
      await connectAndLeave('clean-leaver', async () => void (stored = await redis.hget(`${keyPrefix}wills:${broker.id}`, 'clean-leaver')));
      expect(JSON.parse(stored!)).toMatchObject({ topic: topicFor('status', 'clean-leaver'), clientId: 'clean-leaver', brokerId: broker.id });
      await waitUntil('the Will deleted', async () => (await redis.hexists(`${keyPrefix}wills:${broker.id}`, 'clean-leaver')) === 0);
      expect(published).toEqual([]);
      expect(await redis.exists(`${keyPrefix}will`)).toBe(0); // the package's list of every Will is not used
    });

    it('costs a CONNECT and a DISCONNECT the same O(1) Redis commands with 10 or 2,000 other Wills stored', async () => {
      const watch = await watchCommands(keyPrefix);
      try {
        await storeOthers(0, 10);
        const few = await watch.during(() => connectAndLeave('probe'));
        await storeOthers(10, 2000);
        expect(await redis.hlen(`${keyPrefix}wills:${broker.id}`)).toBe(2000);
        const many = await watch.during(() => connectAndLeave('probe'));
        // The same commands on the same keys, and those on Wills are O(1) on one client's field.
        expect([...many].sort()).toEqual([...few].sort()); // (a connect's steps run concurrently)
        expect(few.filter((c) => /will/.test(c))).toEqual(['SADD will-brokers', 'HSET wills:<gateway>', 'HGET wills:<gateway>', 'HDEL wills:<gateway>']);
        // Everything else is on the client's own keys (its subscriptions, its queue), none on a key shared by the fleet.
        for (const c of few.filter((c) => !/will|^PUBLISH/.test(c))) expect(c).toMatch(/^\w+ [\w-]+:probe\b/);
      } finally {
        watch.close();
      }
    }, 30_000);
  });

  describe('a gateway killed with SIGKILL', () => {
    let share: Awaited<ReturnType<typeof startClusterShare>>;
    let killed: GatewayProcess | undefined;
    let survivor: TestGateway | undefined;
    const redis = new Redis(REDIS_URL);
    const HEARTBEAT_MS = 500;

    beforeAll(async () => {
      share = await startClusterShare();
    }, 60_000);
    afterAll(async () => {
      await killed?.kill();
      await survivor?.stop();
      redis.disconnect();
      await share?.close();
    }, 30_000);

    it("has its mirror's Will published by the gateway that survived, and deleted", async () => {
      const mqttPort = await freePort();
      killed = await startGatewayProcess(share, { GATEWAY_MQTT_PORT: String(mqttPort), MQTT_CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS) });
      survivor = await startTestGateway({ MQTT_CLUSTER: 'redis', MQTT_CLUSTER_HEARTBEAT_MS: HEARTBEAT_MS }, { joining: share });
      const { deviceId, secret } = await survivor.gateway.registry.create({ name: 'Hall' });
      const status = topicFor('status', deviceId);
      const heard: string[] = [];
      const aedes = survivor.gateway.broker.aedes;
      await new Promise<void>((r) => aedes.subscribe(status, (p, cb) => (heard.push(p.payload.toString()), cb()), r));

      const mirror = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: deviceId,
        username: deviceId,
        password: secret,
        clean: true,
        reconnectPeriod: 0,
        will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      mirror.on('error', () => undefined);
      const gateways = await redis.smembers(`${share.prefix}:mqtt:will-brokers`);
      const killedId = gateways.find((id) => id !== aedes.id)!;
      expect(await redis.hexists(`${share.prefix}:mqtt:wills:${killedId}`, deviceId)).toBe(1);

      await killed.kill();
      mirror.end(true);
      // 3 missed heartbeats make it dead; the survivor looks for such Wills every 4 heartbeats.
      await waitUntil('the Will published by the survivor', () => heard.includes('offline'), 20 * HEARTBEAT_MS + 10_000);
      await waitUntil('the Will deleted', async () => (await redis.exists(`${share.prefix}:mqtt:wills:${killedId}`)) === 0);
      await waitUntil('the dead gateway forgotten', async () => !(await redis.sismember(`${share.prefix}:mqtt:will-brokers`, killedId)), 10 * HEARTBEAT_MS);
      expect(heard).toEqual(['offline']);
    }, 90_000);
  });
});
