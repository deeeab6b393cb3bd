/**
 * Boot-time rollback with the real agent and the real gateway: the agent runs as a process under
 * systemd/bin/pose-agent-start (restarted on failure as the unit's Restart=on-failure would), and
 * app releases are real copies of this app's tree. A good release is restarted into and kept once
 * it reports healthy; a release that passes its self-test but crashes at every start, and one that
 * starts but never gets healthy, both end with the mirror back on the previous release, on its
 * own, and the rollout stopped with the reason the mirror reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { commandSchema, topicFor, type Command } from '@pose-coach/protocol';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUNDLE_SKIP, bundleFolder, signRelease } from '../src/fleet/signRelease.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { fleetAdmin } from '../../gateway/test/support/fleetAdmin.ts';
import { testFleetKeys } from '../../gateway/test/support/fleetKeys.ts';
import { tempDir, waitUntil as poll } from './outbox-fixtures.ts';

/** Polls (every 200 ms: these calls go through the fleet API) until `get` gives a value. */
const waitUntil = <T>(get: () => Promise<T | undefined | false>, o: { timeoutMs?: number; what: string }) =>
  poll(o.what, () => new Promise<T | undefined | false>((r) => setTimeout(() => r(get()), 200)), o.timeoutMs ?? 30_000);

const ADMIN = 'fleet-admin-token-for-boot-rollback-01';
const repo = resolve(import.meta.dirname, '../..');
const keys = testFleetKeys();
const HEALTH_DEADLINE_S = 25;

/** The start script kept running the way systemd would: started again after a failure exit (not 0, not 78). */
function superviseLikeSystemd(args: string[], env: NodeJS.ProcessEnv) {
  let child: ChildProcess | undefined;
  let stopped = false;
  let log = '';
  const starts: number[] = [];
  const run = () => {
    starts.push(Date.now());
    child = spawn(join(repo, 'systemd/bin/pose-agent-start'), args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.on('exit', (code) => {
      if (!stopped && code !== 0 && code !== 78) setTimeout(run, 300);
    });
  };
  run();
  return {
    log: () => log,
    starts,
    async stop() {
      stopped = true;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

describe('boot-time rollback of app releases', () => {
  let tg: TestGateway;
  let http: string;
  const t = tempDir('fleet-boot-rollback');
  const api = fleetAdmin(() => http, ADMIN);
  let agent: ReturnType<typeof superviseLikeSystemd> | undefined;
  let deviceId = '';
  const state = join(t.dir, 'state');

  /** This app's tree as a release: its own self-test passes at once (the premise), `main.ts` patched by `patch`. */
  function release(version: string, patch = (src: string) => src): Buffer {
    const dir = join(t.dir, 'trees', version);
    for (const part of ['device/package.json', 'device/src', 'device/inference/package.json', 'device/inference/src', 'protocol', 'models/package.json', 'models/manifest.json', 'models/src']) {
      cpSync(join(repo, part), join(dir, part), { recursive: true, filter: (p) => !p.includes('node_modules') });
    }
    writeFileSync(join(dir, 'device/src/agent/selfTest.ts'), 'process.exit(0);\n');
    const main = join(dir, 'device/src/agent/main.ts');
    writeFileSync(main, patch(readFileSync(main, 'utf8')));
    return bundleFolder(dir, { skip: APP_BUNDLE_SKIP });
  }
  async function upload(version: string, bundle: Buffer) {
    const manifest = signRelease({ kind: 'app', version, bundle, privateKeyPem: keys.privateKeyPem });
    const r = await api('POST', '/fleet/api/releases', { manifest, bundle: bundle.toString('base64') });
    expect(r.status).toBe(201);
  }
  async function rollout(release: string) {
    const started = await api('POST', '/fleet/api/rollouts', { release, group: 'boot' });
    expect(started.status).toBe(202);
    return waitUntil(
      async () => {
        const r = (await api('GET', `/fleet/api/rollouts/${started.body.rollout.id}`)).body.rollout;
        return r.state !== 'running' ? r : undefined;
      },
      { timeoutMs: 150_000, what: `rollout of ${release} to end` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; agent log:\n${agent?.log().slice(-4000)}`);
    });
  }
  const device = async () => (await api('GET', `/fleet/api/devices/${deviceId}`)).body.device;
  const current = () => readlinkSync(join(state, 'app', 'current'));

  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, GATEWAY_HTTPS_PORT: 0, FLEET_RELEASE_KEY_FILE: keys.keyFile, FLEET_HEALTH_TIMEOUT_S: 120 });
    http = `http://127.0.0.1:${tg.gateway.httpPort}`;
    // Named to sort first: the canary of a rollout to its group.
    const creds = await tg.gateway.registry.create({ deviceId: 'aa-real-mirror' });
    deviceId = creds.deviceId;
    await api('PATCH', `/fleet/api/devices/${deviceId}`, { group: 'boot' });
    mkdirSync(state, { recursive: true });
    const credentialsFile = join(t.dir, 'device.json');
    writeFileSync(credentialsFile, JSON.stringify({ deviceId, secret: creds.secret }));
    chmodSync(credentialsFile, 0o600);
    const configFile = join(t.dir, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: state,
        logLevel: 'info',
        http: { port: 0 },
        source: { kind: 'simulation' },
        mqtt: {
          url: `mqtts://127.0.0.1:${tg.gateway.mqttsPort}`,
          caFile: tg.gateway.caCertPath,
          credentialsFile,
          // Releases (and pairing) over HTTPS with the gateway's CA pinned.
          gatewayHttpUrl: `https://127.0.0.1:${tg.gateway.httpsPort}`,
          reconnectMinMs: 200,
          reconnectMaxMs: 1000,
        },
        fleet: { releaseKeyFile: keys.keyFile, healthDeadlineS: HEALTH_DEADLINE_S, maxStarts: 2 },
        telemetry: { intervalS: 5 },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, STATE_DIRECTORY: state };
    delete env.POSE_AGENT_CONFIG;
    agent = superviseLikeSystemd([repo, process.execPath, '--config', configFile], env);
    await waitUntil(async () => (await device())?.status === 'online', { timeoutMs: 60_000, what: 'the agent online' });
  }, 90_000);
  afterAll(async () => {
    await agent?.stop();
    await tg?.stop();
    t.cleanup();
  }, 30_000);

  it('restarts into a good release and keeps it once it reports healthy', async () => {
    await upload('2.0.0', release('2.0.0'));
    expect(await rollout('app-2.0.0')).toMatchObject({ state: 'done', succeeded: 1, failed: 0 });
    expect(current()).toBe(join(state, 'app', 'releases', '2.0.0'));
    expect(existsSync(join(state, 'app', 'pending'))).toBe(false);
    const d = await waitUntil(async () => ((await device())?.appRelease === '2.0.0' ? device() : undefined), { what: 'the fleet to show app 2.0.0' });
    expect(d).toMatchObject({ appRelease: '2.0.0', healthy: true, lastUpdate: { kind: 'app', version: '2.0.0', outcome: 'healthy' } });
  }, 180_000);

  it('rolls back a release that passes its self-test but crashes at every start, and its canary failure stops a 20-mirror rollout before any second mirror gets it', async () => {
    // 19 more mirrors in the group, speaking the real MQTT protocol, online, acking any update.
    const updatesSeen: string[] = [];
    for (let i = 1; i <= 19; i++) {
      const sim = await tg.gateway.registry.create({ deviceId: `sim-mirror-${String(i).padStart(2, '0')}` });
      await api('PATCH', `/fleet/api/devices/${sim.deviceId}`, { group: 'boot' });
      const c = await tg.connect(sim.deviceId, sim.secret);
      await c.subscribeAsync(topicFor('cmd', sim.deviceId), { qos: 1 });
      c.on('message', (topic, payload) => {
        if (topic !== topicFor('cmd', sim.deviceId)) return;
        const cmd: Command = commandSchema.parse(JSON.parse(payload.toString()));
        if (cmd.name === 'update') updatesSeen.push(sim.deviceId);
        c.publish(topicFor('cmdAck', sim.deviceId), JSON.stringify({ id: cmd.id, ok: true }), { qos: 1 });
      });
    }
    await waitUntil(async () => (await api('GET', '/fleet/api/devices?group=boot&status=online')).body.devices.length === 20, { what: '20 mirrors online in the group' });

    await upload('2.1.0', release('2.1.0', (src) => `throw new Error('release 2.1.0 crashes at start');\n${src}`));
    const startsBefore = agent!.starts.length;
    const r = await rollout('app-2.1.0');
    expect(r).toMatchObject({ state: 'stopped', stage: 'canary', targets: 20, sent: 1, succeeded: 0, failed: 1 });
    expect(r.failures[0].deviceId).toBe(deviceId);
    expect(updatesSeen).toEqual([]);
    expect(r.failures[0].error).toMatch(/rolled back on the mirror: crash loop: 2 starts without reporting healthy/);
    expect(current()).toBe(join(state, 'app', 'releases', '2.0.0'));
    expect(agent!.log()).toMatch(/release 2\.1\.0 crashes at start/);
    expect(agent!.starts.length).toBeGreaterThan(startsBefore); // restarted into it (exit 75) before it was rolled back
    const d = await waitUntil(async () => ((await device())?.lastUpdate?.version === '2.1.0' ? device() : undefined), { what: 'the rollback in the fleet view' });
    expect(d).toMatchObject({ status: 'online', appRelease: '2.0.0', lastUpdate: { outcome: 'rolled-back' } });
  }, 180_000);

  it('rolls back a release that starts but never reports healthy within its deadline, and stops the rollout', async () => {
    // It runs, but never connects: not healthy.
    await upload('2.2.0', release('2.2.0', (src) => `process.env.POSE_AGENT_MQTT_URL = '';\n${src}`));
    const r = await rollout('app-2.2.0');
    expect(r).toMatchObject({ state: 'stopped', succeeded: 0, failed: 1 });
    expect(r.failures[0].error).toMatch(new RegExp(`rolled back on the mirror: not healthy within ${HEALTH_DEADLINE_S} s of starting`));
    expect(current()).toBe(join(state, 'app', 'releases', '2.0.0'));
    expect(agent!.log()).toMatch(/"msg":"app release rolled back".*"version":"2\.2\.0"/);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/pose_coach_fleet_rollbacks_total\{kind="app"\} 2/);
    expect(metrics).toMatch(/pose_coach_fleet_rollouts_total\{outcome="stopped"\} 2/);
  }, 180_000);
});
