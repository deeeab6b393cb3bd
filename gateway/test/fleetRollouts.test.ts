/**
 * Staged rollouts against the real gateway with simulated mirrors speaking the real MQTT protocol:
 * a canary alone, then waves that double; pause, resume and abort; and a gateway restart in the
 * middle of a rollout, with one mirror mid-update: the rollout, its progress and the command
 * history come back from MySQL, the mirror mid-update is judged by the outcome its telemetry
 * reports, and the rollout runs on to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '@pose-coach/protocol';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';
import { connectRolloutMirror, type RolloutMirror } from './support/rolloutMirror.ts';
import { fleetAdmin } from './support/fleetAdmin.ts';
import { testFleetKeys } from './support/fleetKeys.ts';

const ADMIN = 'fleet-admin-token-for-rollout-state-01';
const keys = testFleetKeys();

async function until<T>(what: string, get: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('staged rollouts', () => {
  let tg: TestGateway;
  const api = fleetAdmin(() => `http://127.0.0.1:${tg.gateway.httpPort}`, ADMIN);

  const connectSim = (s: RolloutMirror) => connectRolloutMirror(tg, s);
  async function sims(group: string, n: number): Promise<RolloutMirror[]> {
    const out: RolloutMirror[] = [];
    for (let i = 0; i < n; i++) {
      const { deviceId, secret } = await tg.gateway.registry.create({ deviceId: `${group}-${i}` });
      await api('PATCH', `/fleet/api/devices/${deviceId}`, { group });
      const s: RolloutMirror = { deviceId, secret, updates: [], hold: false, held: [] };
      await connectSim(s);
      out.push(s);
    }
    await until('mirrors online', async () => (await api('GET', `/fleet/api/devices?group=${group}&status=online`)).body.devices.length === n);
    return out;
  }
  async function release(version: string) {
    const bundle = Buffer.from(JSON.stringify({ files: { 'model.json': Buffer.from(`{"v":"${version}"}`).toString('base64') } }));
    const r = await api('POST', '/fleet/api/releases', { manifest: keys.sign('model', version, bundle), bundle: bundle.toString('base64') });
    expect(r.status).toBe(201);
  }
  const rollout = async (id: string) => (await api('GET', `/fleet/api/rollouts/${id}`)).body.rollout;

  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_RELEASE_KEY_FILE: keys.keyFile, FLEET_UPDATE_TIMEOUT_MS: 60_000 });
  }, 60_000);
  afterAll(async () => tg?.stop(), 30_000);

  it('keeps a rollout, its progress and the command history across a gateway restart, judges the mirror that was mid-update by its telemetry, and runs on to the end', async () => {
    const fleet = await sims('restart', 4);
    await release('1.0.0');
    // canary 1, then waves of 1 and 2; the second mirror (the first wave) holds its ack.
    fleet[1]!.hold = true;
    const started = (await api('POST', '/fleet/api/rollouts', { release: 'model-1.0.0', group: 'restart', canary: 1, wave: 1, concurrency: 2 })).body.rollout;
    expect(started).toMatchObject({ state: 'running', stage: 'canary', targets: 4, canary: 1, wave: 1, concurrency: 2 });
    await until('the first wave sent', async () => fleet[1]!.held.length === 1);
    expect(await rollout(started.id)).toMatchObject({ state: 'running', stage: 'wave 1', sent: 2, succeeded: 1 });
    expect(fleet[2]!.updates).toHaveLength(0);

    for (const s of fleet) await s.client!.endAsync(true);
    await tg.restart();
    // Before any mirror is back: the rollout is there, as it was.
    expect(await rollout(started.id)).toMatchObject({ state: 'running', stage: 'wave 1', targets: 4, sent: 2, succeeded: 1, failed: 0 });
    const history = (await api('GET', `/fleet/api/devices/${fleet[0]!.deviceId}`)).body.commands;
    expect(history[0]).toMatchObject({ name: 'update', state: 'ok' });

    // The mirrors come back; the one that was mid-update reports how it ended.
    fleet[1]!.hold = false;
    for (const s of fleet) await connectSim(s);
    fleet[1]!.client!.publish(
      topicFor('telemetry', fleet[1]!.deviceId),
      JSON.stringify({ modelRelease: '1.0.0', healthy: true, lastUpdate: { kind: 'model', version: '1.0.0', outcome: 'healthy' } }),
    );
    const done = await until('the rollout done', async () => {
      const r = await rollout(started.id);
      return r.state === 'done' ? r : undefined;
    });
    expect(done).toMatchObject({ targets: 4, sent: 4, succeeded: 4, failed: 0 });
    expect(fleet.map((s) => s.updates.length)).toEqual([1, 1, 1, 1]); // nobody got it twice
  }, 60_000);

  it('pauses (nothing new is sent), resumes, and aborts for good', async () => {
    const fleet = await sims('paused', 3);
    await release('2.0.0');
    fleet[0]!.hold = true; // the canary holds, so the pause lands while it is in flight
    const { rollout: r } = (await api('POST', '/fleet/api/rollouts', { release: 'model-2.0.0', group: 'paused' })).body;
    await until('the canary sent', async () => fleet[0]!.held.length === 1);
    expect((await api('POST', `/fleet/api/rollouts/${r.id}/pause`)).body.rollout.state).toBe('paused');
    fleet[0]!.client!.publish(topicFor('cmdAck', fleet[0]!.deviceId), JSON.stringify({ id: fleet[0]!.held[0]!.id, ok: true }), { qos: 1 });
    await until('the canary counted', async () => (await rollout(r.id)).succeeded === 1);
    await new Promise((res) => setTimeout(res, 500));
    expect(fleet[1]!.updates.length + fleet[2]!.updates.length).toBe(0);

    fleet[1]!.hold = true;
    expect((await api('POST', `/fleet/api/rollouts/${r.id}/resume`)).body.rollout.state).toBe('running');
    await until('the next wave sent', async () => fleet[1]!.held.length === 1);
    const aborted = (await api('POST', `/fleet/api/rollouts/${r.id}/abort`)).body.rollout;
    expect(aborted).toMatchObject({ state: 'aborted', reason: 'aborted by an operator' });
    expect((await api('POST', `/fleet/api/rollouts/${r.id}/resume`)).status).toBe(409);
    expect((await api('POST', `/fleet/api/rollouts/${r.id}/reboot`)).status).toBe(400);
    await new Promise((res) => setTimeout(res, 500));
    expect(fleet[2]!.updates).toHaveLength(0);
    const metrics = await (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/pose_coach_fleet_rollouts_total\{outcome="aborted"\} 1/);
  }, 60_000);
});
