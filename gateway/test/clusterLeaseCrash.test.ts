/**
 * The gateway driving the rollouts crashes (SIGKILL: its Redis lease is not given back), against
 * real servers: the driver runs in its own process, a second gateway in this one. The second
 * takes the lease once it has run out (FLEET_ROLLOUT_LEASE_MS, short here), picks the rollout up
 * from MySQL and finishes it: the mirror that had acked its update is not sent it again, and the
 * one mid-update is judged by the telemetry it reports.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { topicFor } from '@pose-coach/protocol';
import { fleetAdmin, rolloutEnded } from './support/fleetAdmin.ts';
import { testFleetKeys } from './support/fleetKeys.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.ts';
import { connectRolloutMirror, type RolloutMirror } from './support/rolloutMirror.ts';
import { REDIS_URL, startClusterShare, startTestGateway, type TestGateway } from './support/testGateway.ts';

const ADMIN = 'lease-crash-admin-token-0123';
/** Short, so the test waits seconds; renewed every fifth of it. */
const LEASE_MS = 1500;
const keys = testFleetKeys();
const waitUntil = <T>(what: string, probe: () => T | Promise<T>, timeout = 20_000) =>
  vi.waitUntil(probe, { timeout, interval: 100 }).catch((err: Error) => {
    throw new Error(`timed out waiting for ${what}: ${err.message}`);
  });

describe('the rollout driver killed with SIGKILL', () => {
  let share: Awaited<ReturnType<typeof startClusterShare>>;
  let driver: GatewayProcess | undefined;
  let b: TestGateway | undefined;
  const redis = new Redis(REDIS_URL);
  const overrides = () => ({
    MQTT_CLUSTER: 'redis' as const,
    FLEET_ADMIN_TOKEN: ADMIN,
    FLEET_RELEASE_KEY_FILE: keys.keyFile,
    FLEET_UPDATE_TIMEOUT_MS: 60_000,
    FLEET_ROLLOUT_LEASE_MS: LEASE_MS,
    FLEET_FLUSH_S: 0.2,
  });

  beforeAll(async () => {
    share = await startClusterShare();
  }, 60_000);
  afterAll(async () => {
    await driver?.kill();
    await b?.stop();
    redis.disconnect();
    await share?.close();
  }, 30_000);

  it('another gateway takes the lease once it runs out and finishes the rollout; a mirror that acked is not sent it again', async () => {
    // The first gateway, in its own process: it starts first, so it takes the lease.
    driver = await startGatewayProcess(share, {
      FLEET_ADMIN_TOKEN: ADMIN, FLEET_RELEASE_KEY_FILE: keys.keyFile, FLEET_UPDATE_TIMEOUT_MS: '60000',
      FLEET_ROLLOUT_LEASE_MS: String(LEASE_MS), FLEET_FLUSH_S: '0.2',
    });
    const driverPort = driver.httpPort;
    const leaseKey = `${share.prefix}:fleet:rollout-driver`;
    const driverHolder = await waitUntil('the first gateway to hold the lease', () => redis.get(leaseKey));

    b = await startTestGateway(overrides(), { joining: share });
    expect(b.gateway.fleet.rollouts.drives()).toBe(false);
    const apiB = fleetAdmin(() => `http://127.0.0.1:${b!.gateway.httpPort}`, ADMIN);
    const apiDriver = fleetAdmin(() => `http://127.0.0.1:${driverPort}`, ADMIN);

    // Three mirrors, all on the gateway that survives.
    const fleet: RolloutMirror[] = [];
    for (let i = 0; i < 3; i++) {
      const { deviceId, secret } = await b.gateway.registry.create({ deviceId: `crash-${i}` });
      expect((await apiB('PATCH', `/fleet/api/devices/${deviceId}`, { group: 'crash' })).status).toBe(200);
      const s: RolloutMirror = { deviceId, secret, updates: [], hold: false, held: [] };
      await connectRolloutMirror(b, s);
      fleet.push(s);
    }
    await waitUntil('the driver to see the mirrors online', async () => (await apiDriver('GET', '/fleet/api/devices?group=crash&status=online')).body.devices.length === 3);
    const bundle = Buffer.from(JSON.stringify({ files: { 'model.json': Buffer.from('{"v":"5.0.0"}').toString('base64') } }));
    expect((await apiB('POST', '/fleet/api/releases', { manifest: keys.sign('model', '5.0.0', bundle), bundle: bundle.toString('base64') })).status).toBe(201);

    // crash-0 is the canary and acks; crash-1 (the first wave) holds its update: mid-update when the driver dies.
    fleet[1]!.hold = true;
    const started = await apiB('POST', '/fleet/api/rollouts', { release: 'model-5.0.0', group: 'crash', canary: 1, wave: 1, concurrency: 1 });
    expect(started.status).toBe(202);
    const id = started.body.rollout.id as string;
    const rollout = async () => (await apiB('GET', `/fleet/api/rollouts/${id}`)).body.rollout;
    await waitUntil('the first wave sent by the driver', () => fleet[1]!.held.length === 1);
    expect(await rollout()).toMatchObject({ state: 'running', succeeded: 1 });
    expect(b.gateway.fleet.rollouts.drives()).toBe(false); // the process that sent it drives, not this one

    await driver.kill();
    // Nobody gave the lease back: this gateway drives only once it has run out, under a new holder.
    await waitUntil('the surviving gateway to drive', () => b!.gateway.fleet.rollouts.drives(), 30_000);
    const holder = await redis.get(leaseKey);
    expect(holder).not.toBeNull();
    expect(holder).not.toBe(driverHolder);

    // The mirror mid-update reports its outcome; the rest of the fleet gets the release from the new driver.
    fleet[1]!.client!.publish(
      topicFor('telemetry', fleet[1]!.deviceId),
      JSON.stringify({ modelRelease: '5.0.0', healthy: true, lastUpdate: { kind: 'model', version: '5.0.0', outcome: 'healthy' } }),
    );
    const done = await rolloutEnded(apiB, id);
    expect(done).toMatchObject({ state: 'done', targets: 3, sent: 3, succeeded: 3, failed: 0 });
    expect(fleet.map((s) => s.updates.length)).toEqual([1, 1, 1]); // nobody got it twice
  }, 120_000);
});
