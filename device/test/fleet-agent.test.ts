/**
 * The real agent in a fleet, against the real gateway: first boot with only a claim token
 * (credentials obtained once, stored mode 600, the claim never used again), a refused claim that
 * stops the agent with the reason, a fleet-wide config change applied live and reported back,
 * remote commands acknowledged by the agent, and model and app releases installed or rolled back.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { modelsDir } from '@pose-coach/models';
import { bundleFolder, signRelease } from '../src/fleet/signRelease.ts';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../src/agent/agent.ts';
import { loadConfig } from '../src/agent/config.ts';
import { applyDesired } from '../src/agent/liveConfig.ts';
import { createSimulatedAthlete } from '../src/agent/simulatedAthlete.ts';
import type { PoseFrame, PoseSource } from '../src/agent/ports.ts';
import { realCoach } from '../src/agent/sessionTracker.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { tempDir } from './outbox-fixtures.ts';
import { credentialsByClaim } from '../src/fleet/claimCredentials.ts';
import { loadOrCreateTlsCertificate } from '../../gateway/src/tlsCertificate.ts';
import { fleetAdmin } from '../../gateway/test/support/fleetAdmin.ts';
import { testFleetKeys } from '../../gateway/test/support/fleetKeys.ts';

const ADMIN = 'fleet-admin-token-for-agent-tests-0123';
const keys = testFleetKeys();
const modelsInstalled = ['lightning', 'multipose'].every((m) => existsSync(join(modelsDir(), `movenet-${m}.bin`)));

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent in a fleet', () => {
  let tg: TestGateway;
  const t = tempDir('fleet-agent');
  const agents: Agent[] = [];
  let http: string;
  const admin = fleetAdmin(() => http, ADMIN);
  const api = async (method: string, path: string, body?: unknown) => (await admin(method, path, body)).body;

  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, GATEWAY_HTTPS_PORT: 0, FLEET_RELEASE_KEY_FILE: keys.keyFile });
    http = `http://127.0.0.1:${tg.gateway.httpPort}`;
  }, 60_000);
  afterAll(async () => {
    for (const a of agents) await a.stop('test over');
    await tg?.stop();
    t.cleanup();
  });

  const restarts: string[] = [];
  function boot(name: string, claimToken: string, extra: Record<string, unknown> = {}, source: () => PoseSource = () => createSimulatedAthlete({ speed: 4, repsPerSet: 3, repPeriodS: 2, restS: 12 })) {
    const dir = join(t.dir, name);
    const claimTokenFile = join(t.dir, `${name}.claim`);
    writeFileSync(claimTokenFile, `${claimToken}\n`);
    const credentialsFile = join(dir, 'credentials', 'device.json');
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: join(dir, 'data'),
        logLevel: process.env.TEST_LOG_LEVEL ?? 'silent', // applied again with each config/desired
        'http.port': 0,
        'mqtt.url': `mqtts://127.0.0.1:${tg.gateway.mqttsPort}`,
        'mqtt.caFile': tg.gateway.caCertPath,
        'mqtt.gatewayHttpUrl': http,
        'mqtt.credentialsFile': credentialsFile,
        'mqtt.claimTokenFile': claimTokenFile,
        'mqtt.reconnectMinMs': 200,
        'mqtt.reconnectMaxMs': 1000,
        ...extra,
      },
    });
    const start = async () => {
      const agent = await createAgent({
        onRestart: () => restarts.push(name),
        config,
        log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        source: source(),
        createCoach: realCoach,
      });
      agents.push(agent);
      return agent;
    };
    return { credentialsFile, dataDir: join(dir, 'data'), start };
  }

  it('claims its identity on first boot, keeps it private, and never uses the claim again', async () => {
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 1, group: 'lobby' });
    const mirror = boot('first-boot', claim.claimToken);
    const agent = await mirror.start();
    expect(statSync(mirror.credentialsFile).mode & 0o777).toBe(0o600);
    await until('online in the fleet', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.device?.status === 'online');
    expect((await api('GET', `/fleet/api/devices/${agent.deviceId}`)).device.group).toBe('lobby');

    // A restart reuses the stored credentials: the one-use claim is not spent again.
    await agent.stop('restart');
    agents.splice(agents.indexOf(agent), 1);
    const again = await mirror.start();
    expect(again.deviceId).toBe(agent.deviceId);
    const claims = (await api('GET', '/fleet/api/claims')).claims as { claimId: string; usedCount: number }[];
    expect(claims.find((c) => c.claimId === claim.claimId)?.usedCount).toBe(1);
  });

  it('claims over HTTPS trusting only the pinned gateway CA', async () => {
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 3 });
    const tokenFile = join(t.dir, 'https.claim');
    writeFileSync(tokenFile, claim.claimToken);
    const gatewayHttpUrl = `https://127.0.0.1:${tg.gateway.httpsPort}`;
    const over = (ca: string | undefined, file: string) =>
      credentialsByClaim({ gatewayHttpUrl, claimTokenFile: tokenFile, credentialsFile: join(t.dir, file), ...(ca ? { ca } : {}) });
    const ok = await over(tg.gateway.caCert, 'https-ok.json');
    expect(ok.claimed).toBe(true);
    const foreignCa = loadOrCreateTlsCertificate(join(t.dir, 'foreign-ca')).cert;
    await expect(over(foreignCa, 'https-foreign.json')).rejects.toThrow(/could not be reached to claim this mirror: .*(self.signed|verify)/i);
    await expect(over(undefined, 'https-none.json')).rejects.toThrow(/uses TLS but no CA file is configured/);
    const claims = (await api('GET', '/fleet/api/claims')).claims as { claimId: string; usedCount: number }[];
    expect(claims.find((c) => c.claimId === claim.claimId)?.usedCount).toBe(1);
  });

  it('stops with the reason when its claim was revoked', async () => {
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 3 });
    await api('DELETE', `/fleet/api/claims/${claim.claimId}`);
    await expect(boot('revoked', claim.claimToken).start()).rejects.toThrow(/claim_revoked/);

    // As a process: exit 78, which the systemd unit does not restart (retrying cannot help).
    const claimTokenFile = join(t.dir, 'revoked-process.claim');
    writeFileSync(claimTokenFile, claim.claimToken);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/agent/main.ts', import.meta.url)), '--simulate', '--port', '0'], {
        env: {
          ...process.env,
          POSE_AGENT_DATA_DIR: join(t.dir, 'revoked-process'),
          POSE_AGENT_MQTT_URL: `mqtts://127.0.0.1:${tg.gateway.mqttsPort}`,
          POSE_AGENT_MQTT_CA_FILE: tg.gateway.caCertPath,
          POSE_AGENT_MQTT_GATEWAY_HTTP_URL: http,
          POSE_AGENT_MQTT_CREDENTIALS_FILE: join(t.dir, 'revoked-process', 'device.json'),
          POSE_AGENT_MQTT_CLAIM_TOKEN_FILE: claimTokenFile,
        },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/refused the claim \(403 claim_revoked\)/);
  }, 30_000);

  it('applies a fleet-wide config change live, reports it, and answers commands', async () => {
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 1 });
    const agent = await boot('configured', claim.claimToken).start();
    await until('online', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.device?.status === 'online');

    const { version } = await api('PATCH', '/fleet/api/config/fleet', { set: { 'coach.idleEndS': 25, 'telemetry.intervalS': 5 } });
    const shown = await until('reported', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.reported?.version === version);
    expect(shown.reported.config).toMatchObject({ 'coach.idleEndS': 25, 'telemetry.intervalS': 5 });
    expect(shown.reported.error).toBeUndefined();

    const diag = await api('POST', `/fleet/api/devices/${agent.deviceId}/commands`, { name: 'diagnostics', timeoutMs: 5000 });
    expect(diag.command).toMatchObject({ state: 'ok', name: 'diagnostics' });
    expect(diag.command.result).toMatchObject({ deviceId: agent.deviceId });
    const restart = await api('POST', `/fleet/api/devices/${agent.deviceId}/commands`, { name: 'restart-agent', timeoutMs: 5000 });
    expect(restart.command).toMatchObject({ state: 'ok', result: { restarting: true } });
    await until('restart requested of the process', async () => restarts, (r) => r.includes('configured'), 3000);
    const unknown = await api('POST', `/fleet/api/devices/${agent.deviceId}/commands`, { name: 'reformat-disk', timeoutMs: 5000 });
    expect(unknown.command).toMatchObject({ state: 'failed' });
    expect(unknown.command.error).toMatch(/unknown command reformat-disk/);

    // A key the mirror cannot change live is refused by the gateway, named, and never reaches the mirror.
    const bad = await admin('PATCH', '/fleet/api/config/fleet', { set: { 'inference.model': 'movenet-thunder' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/inference\.model: not a fleet config key/);
    // The mirror's own check (the same table) still refuses it, should an older gateway send it.
    expect(applyDesired(loadConfig({ env: {} }), { version: 1, config: { 'inference.model': 'movenet-thunder' } })).toMatchObject({ ok: false, error: expect.stringMatching(/not changeable live: inference.model/) });
  });

  it.skipIf(!modelsInstalled)('installs a signed model release from a rollout after its self-test, shows it in the fleet, and rolls a damaged one back', async () => {
    const keyFile = keys.keyFile;
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 1, group: 'model-canary' });
    const mirror = boot('updated', claim.claimToken, { 'fleet.releaseKeyFile': keyFile });
    const agent = await mirror.start();
    await until('online', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.device?.status === 'online');

    const release = async (version: string, damage: boolean) => {
      const folder = join(t.dir, `release-${version}`);
      mkdirSync(folder);
      for (const f of ['movenet-lightning.json', 'movenet-lightning.bin', 'movenet-multipose.json', 'movenet-multipose.bin']) copyFileSync(join(modelsDir(), f), join(folder, f));
      if (damage) writeFileSync(join(folder, 'movenet-lightning.bin'), 'not the weights');
      const bundle = bundleFolder(folder);
      const manifest = signRelease({ kind: 'model', version, bundle, privateKeyPem: keys.privateKeyPem });
      const res = await admin('POST', '/fleet/api/releases', { manifest, bundle: bundle.toString('base64') });
      expect(res.status).toBe(201);
    };
    const rollout = async (name: string) => {
      const { rollout: r } = await api('POST', '/fleet/api/rollouts', { release: name, group: 'model-canary' });
      return until('rollout ended', async () => (await api('GET', `/fleet/api/rollouts/${r.id}`)).rollout, (x) => x.state !== 'running', 90_000);
    };
    const link = join(mirror.dataDir, 'releases', 'model-current');

    await release('2026.11.1', false);
    expect(await rollout('model-2026.11.1')).toMatchObject({ state: 'done', succeeded: 1, failed: 0 });
    expect(readlinkSync(link)).toMatch(/model-2026\.11\.1$/);

    await release('2026.11.2', true);
    const stopped = await rollout('model-2026.11.2');
    expect(stopped).toMatchObject({ state: 'stopped', succeeded: 0, failed: 1 });
    expect(stopped.failures[0].error).toMatch(/failed its self-test \(inference self-test failed: .*movenet-lightning.*\); the previous release is back/);
    expect(readlinkSync(link)).toMatch(/model-2026\.11\.1$/);

    // The fleet shows the model release the mirror runs and how its last update ended.
    const shown = await until('telemetry with the releases', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.device?.lastUpdate?.version === '2026.11.2', 10_000);
    expect(shown.device).toMatchObject({ modelRelease: '2026.11.1', lastUpdate: { kind: 'model', outcome: 'rolled-back' } });
    expect(agent.diagnostics()).toMatchObject({ modelRelease: '2026.11.1', lastUpdate: { version: '2026.11.2', outcome: 'rolled-back' } });
  }, 120_000);

  it.skipIf(!modelsInstalled)('swaps a model release into the running agent between sessions without a restart, and rolls it back when real frames stop coming through it', async () => {
    // A camera on an empty room whose estimator the agent can reload; `broken` makes the reloaded one yield nothing.
    const camera = { reloads: 0, broken: false };
    const source = (): PoseSource => ({
      kind: 'camera',
      simulated: false,
      description: 'empty room (test camera)',
      model: 'movenet-lightning',
      reloadModels: () => void camera.reloads++,
      async *poses(signal) {
        const t0 = Date.now();
        const dead = camera.broken && camera.reloads > 0;
        while (!signal.aborted) {
          await new Promise((r) => setTimeout(r, 50));
          if (dead) continue;
          const frame: PoseFrame = { frameAt: Date.now(), t: (Date.now() - t0) / 1000, width: 640, height: 480, keypoints: [], score: 0, inferenceMs: 12 };
          yield frame;
        }
      },
    });
    const claim = await api('POST', '/fleet/api/claims', { maxUses: 1, group: 'model-swap' });
    const mirror = boot('swapped', claim.claimToken, { 'fleet.releaseKeyFile': keys.keyFile, 'fleet.modelCheckS': 3 }, source);
    const agent = await mirror.start();
    await until('online', () => api('GET', `/fleet/api/devices/${agent.deviceId}`), (r) => r.device?.status === 'online');
    const release = async (version: string) => {
      const folder = join(t.dir, `swap-${version}`);
      mkdirSync(folder);
      for (const f of ['movenet-lightning.json', 'movenet-lightning.bin', 'movenet-multipose.json', 'movenet-multipose.bin']) copyFileSync(join(modelsDir(), f), join(folder, f));
      const bundle = bundleFolder(folder);
      expect((await admin('POST', '/fleet/api/releases', { manifest: signRelease({ kind: 'model', version, bundle, privateKeyPem: keys.privateKeyPem }), bundle: bundle.toString('base64') })).status).toBe(201);
      const { rollout: r } = await api('POST', '/fleet/api/rollouts', { release: `model-${version}`, group: 'model-swap' });
      return until('rollout ended', async () => (await api('GET', `/fleet/api/rollouts/${r.id}`)).rollout, (x) => x.state !== 'running', 90_000);
    };
    const link = join(mirror.dataDir, 'releases', 'model-current');

    expect(await release('2026.12.5')).toMatchObject({ state: 'done', succeeded: 1 });
    expect(camera.reloads).toBe(1); // the estimator was reloaded in the running agent
    expect(process.env.POSE_COACH_MODELS_DIR).toBe(link);
    expect(readlinkSync(link)).toBe(join(mirror.dataDir, 'releases', 'model-2026.12.5')); // not releases/releases/…
    expect(restarts.filter((n) => n === 'swapped')).toHaveLength(0);

    camera.broken = true;
    const stopped = await release('2026.12.6');
    expect(stopped).toMatchObject({ state: 'stopped', failed: 1 });
    // (a frame of the old stream may still land after the swap: far from the 10 a healthy release shows)
    expect(stopped.failures[0].error).toMatch(/model release 2026\.12\.6 was not healthy on real frames \([0-2] frame\(s\) within 3 s\); the previous release is back/);
    expect(readlinkSync(link)).toBe(join(mirror.dataDir, 'releases', 'model-2026.12.5'));
    expect(camera.reloads).toBe(3); // swapped in, and back
    camera.broken = false;
    delete process.env.POSE_COACH_MODELS_DIR;
  }, 120_000);
});
