/**
 * Fleet management against a real gateway (MariaDB, Redis, aedes): provisioning by claim with its
 * refusals, presence robust to out-of-order status messages plus the heartbeat timeout, the
 * layered desired config with reported versions, and remote commands with ack and timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topicFor, type Command, type ConfigMessage, type FleetDeviceView } from '@pose-coach/protocol';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';
import { loadGatewayConfig } from '../src/config.ts';
import { createAdminCheck } from '../src/fleet/adminAuth.ts';

const ADMIN = 'fleet-admin-token-for-tests-0123456789';

let t: TestGateway;
let base: string;

async function api(method: string, path: string, body?: unknown, token: string | null = ADMIN) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const device = async (id: string) => (await api('GET', `/fleet/api/devices/${id}`)).body.device as FleetDeviceView;

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A mirror client with the birth/Will the agent uses (device/src/link/mqttLink.ts). */
async function mirror(deviceId: string, secret: string, clientId = deviceId): Promise<MqttClient> {
  const c = await t.connect(deviceId, secret, {
    clientId,
    will: { topic: topicFor('status', deviceId), payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await c.publishAsync(topicFor('status', deviceId), 'online', { qos: 1, retain: true });
  return c;
}

beforeAll(async () => {
  t = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_OFFLINE_AFTER_S: 1.5, FLEET_FLUSH_S: 0.2 });
  base = `http://127.0.0.1:${t.gateway.httpPort}`;
}, 60_000);
afterAll(async () => t?.stop(), 30_000);

describe('operator authentication', () => {
  it('refuses the fleet API without the admin token, or with a wrong one', async () => {
    expect((await api('GET', '/fleet/api/devices', undefined, null)).status).toBe(401);
    const wrong = await api('GET', '/fleet/api/devices', undefined, 'not-the-token-at-all-xxxxxxxx');
    expect(wrong).toMatchObject({ status: 401, body: { error: 'ADMIN_REQUIRED' } });
    expect((await api('GET', '/fleet/api/devices')).status).toBe(200);
  });

  it('refuses every operator call when no admin token is configured', () => {
    expect(() => createAdminCheck(undefined)(`Bearer ${ADMIN}`)).toThrow(/fleet administration is switched off: set FLEET_ADMIN_TOKEN/);
  });

  it('refuses a too short admin token at start without echoing it', () => {
    expect(() => loadGatewayConfig({ FLEET_ADMIN_TOKEN: 'short-secret' })).toThrow(/^FLEET_ADMIN_TOKEN=\(hidden\) is invalid/);
    expect(() => loadGatewayConfig({ FLEET_ADMIN_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
});

describe('provisioning by claim', () => {
  it('trades a claim for working credentials in the claim group, then refuses an exhausted claim', async () => {
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 1, group: 'gym-a' });
    expect(claim.status).toBe(201);
    expect(claim.body.claimToken).toMatch(/^pcclaim_/);
    const got = await api('POST', '/fleet/claim', { claimToken: claim.body.claimToken, name: 'Lobby', model: 'pi5', appVersion: '0.1.0' }, null);
    expect(got.status).toBe(200);
    const c = await mirror(got.body.deviceId, got.body.secret);
    expect((await device(got.body.deviceId)).group).toBe('gym-a');
    await c.endAsync();
    const again = await api('POST', '/fleet/claim', { claimToken: claim.body.claimToken }, null);
    expect(again).toMatchObject({ status: 403, body: { error: 'claim_exhausted' } });
  });

  it('refuses revoked, expired and unknown claims, naming which', async () => {
    const revoked = await api('POST', '/fleet/api/claims', { maxUses: 5 });
    expect((await api('DELETE', `/fleet/api/claims/${revoked.body.claimId}`)).status).toBe(200);
    expect(await api('POST', '/fleet/claim', { claimToken: revoked.body.claimToken }, null)).toMatchObject({ status: 403, body: { error: 'claim_revoked' } });

    const expiring = await api('POST', '/fleet/api/claims', { maxUses: 5, ttlS: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    expect(await api('POST', '/fleet/claim', { claimToken: expiring.body.claimToken }, null)).toMatchObject({ status: 403, body: { error: 'claim_expired' } });

    expect(await api('POST', '/fleet/claim', { claimToken: 'pcclaim_nobody-ever-made-this-one' }, null)).toMatchObject({ status: 403, body: { error: 'claim_unknown' } });
    const listed = (await api('GET', '/fleet/api/claims')).body.claims as { claimId: string; usedCount: number }[];
    expect(listed.find((c) => c.claimId === revoked.body.claimId)?.usedCount).toBe(0);
  });
});

describe('presence', () => {
  it('ignores the offline of a replaced connection, goes offline when telemetry stops, and back with it', async () => {
    const { deviceId, secret } = await t.provision();
    const older = await mirror(deviceId, secret, `${deviceId}:old`);
    const newer = await mirror(deviceId, secret, `${deviceId}:new`);
    // The old connection's offline and its end arrive after the new connection's birth.
    await older.publishAsync(topicFor('status', deviceId), 'offline', { qos: 1, retain: true });
    older.stream.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect((await device(deviceId)).status).toBe('online');

    // Connected but silent: offline within the heartbeat timeout (1.5 s) plus a sweep.
    const silentFrom = Date.now();
    const off = await until('offline by heartbeat', () => device(deviceId), (d) => d.status === 'offline');
    expect(off.offlineReason).toBe('heartbeat');
    expect(Date.now() - silentFrom).toBeLessThan(3000);
    expect(newer.connected).toBe(true);

    newer.publish(topicFor('telemetry', deviceId), JSON.stringify({ fps: 12, model: 'movenet-lightning', appVersion: '0.2.0', outboxDepth: 3 }));
    const back = await until('online again', () => device(deviceId), (d) => d.status === 'online');
    expect(back).toMatchObject({ model: 'movenet-lightning', appVersion: '0.2.0', outboxDepth: 3 });

    newer.stream.destroy(); // no clean disconnect: the Will says offline
    expect((await until('offline by Will', () => device(deviceId), (d) => d.status === 'offline')).offlineReason).toBe('will');
  });
});

describe('desired and reported configuration', () => {
  it('merges fleet, group and mirror layers under a growing version and re-sends it on every connect', async () => {
    const { deviceId, secret } = await t.provision();
    expect((await api('PATCH', `/fleet/api/devices/${deviceId}`, { group: 'gym-b' })).status).toBe(200);
    const v1 = (await api('PATCH', '/fleet/api/config/fleet', { set: { 'coach.idleEndS': 20, 'telemetry.intervalS': 30 } })).body.version as number;
    const v2 = (await api('PATCH', '/fleet/api/config/group:gym-b', { set: { 'coach.idleEndS': 15 } })).body.version as number;
    const v3 = (await api('PATCH', `/fleet/api/config/device:${deviceId}`, { set: { 'coach.exercise': 'squat' } })).body.version as number;
    expect(v1 < v2 && v2 < v3).toBe(true);
    expect((await api('PATCH', '/fleet/api/config/bogus', { set: {} })).body.error).toBe('BAD_REQUEST');

    const heard: ConfigMessage[] = [];
    const c = await mirror(deviceId, secret);
    c.on('message', (topic, payload) => topic === topicFor('configDesired', deviceId) && heard.push(JSON.parse(payload.toString())));
    await c.subscribeAsync(topicFor('configDesired', deviceId), { qos: 1 });
    const desired = await until('desired config', () => heard.at(-1), (m) => m !== undefined);
    expect(desired).toEqual({ version: v3, config: { 'coach.idleEndS': 15, 'telemetry.intervalS': 30, 'coach.exercise': 'squat' } });

    await c.publishAsync(topicFor('configReported', deviceId), JSON.stringify({ version: v3, config: desired!.config }), { qos: 1, retain: true });
    await until('reported', () => device(deviceId), (d) => d.reportedVersion === v3);
    // An older report arriving late is ignored.
    await c.publishAsync(topicFor('configReported', deviceId), JSON.stringify({ version: v1, config: {} }), { qos: 1, retain: true });
    await new Promise((r) => setTimeout(r, 200));
    expect((await device(deviceId)).reportedVersion).toBe(v3);

    // Removing the mirror's override publishes a newer version with the group's value only.
    const v4 = (await api('PATCH', `/fleet/api/config/device:${deviceId}`, { set: { 'coach.exercise': null } })).body.version;
    expect(await until('override removed', () => heard.at(-1), (m) => m?.version === v4)).toEqual({
      version: v4,
      config: { 'coach.idleEndS': 15, 'telemetry.intervalS': 30 },
    });
    await c.endAsync();
  });

  it('refuses unknown keys and bad values, naming the key, and changes nothing', async () => {
    const before = (await api('GET', '/fleet/api/config')).body;
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ foo: 1 }, /config refused: foo: not a fleet config key \(keys: logLevel, coach\.exercise/],
      [{ 'coach.idleEndS': -5 }, /coach\.idleEndS: .*(>0|positive|greater)/i],
      [{ 'coach.exercise': 'yoga' }, /coach\.exercise: /],
      [{ 'coach.exercises': ['squat', 'yoga'] }, /coach\.exercises\.1: /],
      [{ 'coach.thresholds': { yoga: {} } }, /coach\.thresholds/],
      [{ 'source.width': 10_000 }, /source\.width: /],
      [{ 'coach.minReps': 2, 'inference.model': 'movenet-thunder' }, /inference\.model: not a fleet config key/],
    ];
    for (const [set, message] of refusals) {
      const res = await api('PATCH', '/fleet/api/config/fleet', { set });
      expect(res.status, JSON.stringify(set)).toBe(400);
      expect(res.body).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(message) });
    }
    expect((await api('GET', '/fleet/api/config')).body).toEqual(before);
    // Every key of the protocol's table is accepted with a good value, and null removes it.
    expect((await api('PATCH', '/fleet/api/config/group:lab', { set: { 'coach.thresholds': { squat: { counting: { enterBelow: 0.4 } } }, logLevel: 'debug', 'source.fps': 15 } })).status).toBe(200);
    expect((await api('PATCH', '/fleet/api/config/group:lab', { set: { 'coach.thresholds': null, logLevel: null, 'source.fps': null } })).status).toBe(200);
  });
});

describe('remote commands', () => {
  it('ends with the mirror ack carrying the same id, or with a timeout when the mirror stays silent', async () => {
    const { deviceId, secret } = await t.provision();
    const c = await mirror(deviceId, secret);
    await c.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 });
    let answer = true;
    c.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', deviceId) || !answer) return;
      const cmd = JSON.parse(payload.toString()) as Command;
      c.publish(topicFor('cmdAck', deviceId), JSON.stringify({ id: cmd.id, ok: true, result: { echoed: cmd.name, timeoutMs: cmd.timeoutMs } }), { qos: 1 });
    });
    const ok = await api('POST', `/fleet/api/devices/${deviceId}/commands`, { name: 'diagnostics', timeoutMs: 2000 });
    expect(ok.body.command).toMatchObject({ state: 'ok', name: 'diagnostics', result: { echoed: 'diagnostics', timeoutMs: 2000 } });

    answer = false;
    const late = await api('POST', `/fleet/api/devices/${deviceId}/commands`, { name: 'end-session', timeoutMs: 200 });
    expect(late.body.command).toMatchObject({ state: 'timeout', name: 'end-session' });
    const shown = (await api('GET', `/fleet/api/devices/${deviceId}`)).body;
    expect(shown.commands.map((x: { state: string }) => x.state)).toEqual(['timeout', 'ok']);
    await c.endAsync();
  });

  it('unpairs a mirror on the gateway side', async () => {
    const { deviceId } = await t.provision();
    expect((await device(deviceId)).owner).toContain('Test Person');
    expect((await api('POST', `/fleet/api/devices/${deviceId}/commands`, { name: 'unpair' })).body.command.state).toBe('ok');
    expect((await device(deviceId)).owner).toBeUndefined();
  });
});
