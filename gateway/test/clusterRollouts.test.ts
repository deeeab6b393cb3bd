/**
 * Rollouts with several gateways on one Redis (MQTT_CLUSTER=redis), against real servers: one
 * gateway drives every rollout (the lease holder), whichever gateway it was started or paused
 * through, and every gateway shows the same progress; mirrors on any gateway get the release once.
 * When the driving gateway goes away another takes over from MySQL, and judges the mirror that was
 * mid-update by the telemetry it reports to a gateway that is not driving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '@pose-coach/protocol';
import { fleetAdmin } from './support/fleetAdmin.ts';
import { testFleetKeys } from './support/fleetKeys.ts';
import { startGatewayPair, type TestGateway, type TestGatewayPair } from './support/testGateway.ts';
import { connectRolloutMirror, type RolloutMirror } from './support/rolloutMirror.ts';

const ADMIN = 'cluster-rollout-admin-token-0123';
const keys = testFleetKeys();

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rollouts across gateways on one Redis', () => {
  let pair: TestGatewayPair;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    pair = await startGatewayPair({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_RELEASE_KEY_FILE: keys.keyFile, FLEET_UPDATE_TIMEOUT_MS: 60_000 });
    ({ a, b } = pair);
  }, 60_000);
  afterAll(() => pair?.stop(), 30_000);
  const apiOf = (g: TestGateway) => fleetAdmin(() => `http://127.0.0.1:${g.gateway.httpPort}`, ADMIN);
  const rolloutOn = async (g: TestGateway, id: string) => (await apiOf(g)('GET', `/fleet/api/rollouts/${id}`)).body.rollout;

  /** `on[i]` is the gateway mirror i connects to; every gateway must see them all online. */
  async function sims(group: string, on: TestGateway[], seenBy: TestGateway[]): Promise<RolloutMirror[]> {
    const out: RolloutMirror[] = [];
    for (const [i, g] of on.entries()) {
      const { deviceId, secret } = await a.gateway.registry.create({ deviceId: `${group}-${i}` });
      expect((await apiOf(a)('PATCH', `/fleet/api/devices/${deviceId}`, { group })).status).toBe(200);
      const s: RolloutMirror = { deviceId, secret, updates: [], hold: false, held: [] };
      await connectRolloutMirror(g, s);
      out.push(s);
    }
    for (const g of seenBy) {
      await until('every gateway to see the mirrors online', async () => (await apiOf(g)('GET', `/fleet/api/devices?group=${group}&status=online`)).body.devices.length === on.length);
    }
    return out;
  }
  async function release(version: string) {
    const bundle = Buffer.from(JSON.stringify({ files: { 'model.json': Buffer.from(`{"v":"${version}"}`).toString('base64') } }));
    expect((await apiOf(a)('POST', '/fleet/api/releases', { manifest: keys.sign('model', version, bundle), bundle: bundle.toString('base64') })).status).toBe(201);
  }

  it('one gateway drives a rollout started and paused through the other; mirrors on both get it once; both show the same progress', async () => {
    const driver = await until('one gateway to drive the rollouts', () => [a, b].find((g) => g.gateway.fleet.rollouts.drives()));
    const other = driver === a ? b : a;
    expect(other.gateway.fleet.rollouts.drives()).toBe(false);
    const fleet = await sims('cl-both', [a, a, b, b], [a, b]);
    await release('3.0.0');
    fleet[0]!.hold = true; // the canary holds, so the pause lands while it is in flight
    const started = await apiOf(other)('POST', '/fleet/api/rollouts', { release: 'model-3.0.0', group: 'cl-both', canary: 1, wave: 1, concurrency: 1 });
    expect(started.status).toBe(202);
    const id = started.body.rollout.id as string;
    await until('the canary sent', () => fleet[0]!.held.length === 1);
    expect((await apiOf(other)('POST', `/fleet/api/rollouts/${id}/pause`)).body.rollout.state).toBe('paused');
    await until('the driver to see the pause', async () => (await rolloutOn(driver, id)).state === 'paused');
    fleet[0]!.client!.publish(topicFor('cmdAck', fleet[0]!.deviceId), JSON.stringify({ id: fleet[0]!.held[0]!.id, ok: true }), { qos: 1 });
    await until('the canary counted on the gateway not driving', async () => (await rolloutOn(other, id)).succeeded === 1);
    await new Promise((r) => setTimeout(r, 700));
    expect(fleet.slice(1).map((s) => s.updates.length)).toEqual([0, 0, 0]); // paused: nothing new sent

    expect((await apiOf(other)('POST', `/fleet/api/rollouts/${id}/resume`)).body.rollout.state).toBe('running');
    const done = await until('the rollout done, seen through the gateway not driving', async () => {
      const r = await rolloutOn(other, id);
      return r.state === 'done' ? r : undefined;
    });
    expect(done).toMatchObject({ targets: 4, sent: 4, succeeded: 4, failed: 0 });
    expect(await rolloutOn(driver, id)).toMatchObject({ state: 'done', sent: 4, succeeded: 4 });
    expect(fleet.map((s) => s.updates.length)).toEqual([1, 1, 1, 1]); // driven once: nobody got it twice
  }, 60_000);

  it('another gateway takes over when the driver goes away, and judges the mirror mid-update by telemetry it reports to a gateway not driving', async () => {
    const c = await pair.join();
    try {
      const all = [a, b, c];
      const driverOf = () => all.find((g) => g.gateway.fleet.rollouts.drives());
      const first = await until('one gateway to drive the rollouts', driverOf);
      const onWhich = all.find((g) => g !== first)!;
      const fleet = await sims('cl-takeover', [onWhich, onWhich, onWhich], all);
      await release('4.0.0');
      fleet[1]!.hold = true; // the first wave's mirror is mid-update when the driver goes
      const started = await apiOf(onWhich)('POST', '/fleet/api/rollouts', { release: 'model-4.0.0', group: 'cl-takeover', canary: 1, wave: 1, concurrency: 1 });
      const id = started.body.rollout.id as string;
      await until('the first wave sent', () => fleet[1]!.held.length === 1);

      const goneAt = Date.now();
      await first.gateway.close(); // gives the lease back on its way down (afterAll's stop closes nothing twice)
      const live = all.filter((g) => g !== first);
      const next = await until('another gateway to drive', () => live.find((g) => g.gateway.fleet.rollouts.drives()), 15_000);
      expect(Date.now() - goneAt).toBeLessThan(10_000);

      // The mirror mid-update moves to the gateway that is not driving and reports its outcome there.
      const third = live.find((g) => g !== next)!;
      await fleet[1]!.client!.endAsync(true);
      fleet[1]!.hold = false;
      await connectRolloutMirror(third, fleet[1]!);
      fleet[1]!.client!.publish(
        topicFor('telemetry', fleet[1]!.deviceId),
        JSON.stringify({ modelRelease: '4.0.0', healthy: true, lastUpdate: { kind: 'model', version: '4.0.0', outcome: 'healthy' } }),
      );
      const done = await until('the rollout done', async () => {
        const r = await rolloutOn(third, id);
        return r.state === 'done' ? r : undefined;
      });
      expect(done).toMatchObject({ targets: 3, sent: 3, succeeded: 3, failed: 0 });
      expect(fleet.map((s) => s.updates.length)).toEqual([1, 1, 1]); // the new driver did not send it again
    } finally {
      await c.stop().catch(() => undefined);
    }
  }, 90_000);
});
