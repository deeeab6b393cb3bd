/**
 * App releases through a rollout against the real gateway, installed by the device's real `update`
 * command: the new tree lands in `app/releases/<version>`, `app/current` swaps atomically and the
 * new tree's own self-test entry runs in a child process. A release whose self-test fails or hangs
 * is rolled back (current unchanged, the rollout counts the failure); one signed by another key is
 * refused before anything is unpacked or swapped.
 */
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandSchema, topicFor } from '@pose-coach/protocol';
import { runCommand } from '../src/agent/commands.ts';
import { createUpdateCommand } from '../src/fleet/updateCommand.ts';
import { appSelfTest, APP_SELF_TEST_ENTRY } from '../src/fleet/appSelfTest.ts';
import { bundleFolder, newFleetKeyPair, signRelease } from '../src/fleet/signRelease.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { tempDir } from './outbox-fixtures.ts';
import { fleetAdmin, rolloutEnded } from '../../gateway/test/support/fleetAdmin.ts';
import { testFleetKeys } from '../../gateway/test/support/fleetKeys.ts';

const ADMIN = 'fleet-admin-token-for-app-update-tests-1';
const keys = testFleetKeys();
const otherKeys = newFleetKeyPair();

describe('app releases', () => {
  let tg: TestGateway;
  let http: string;
  const t = tempDir('fleet-app-update');
  const api = fleetAdmin(() => http, ADMIN);
  /** A minimal app tree: a marker file and a self-test entry with the given body. */
  const appTree = (version: string, selfTestSource: string) => {
    const dir = join(t.dir, 'trees', version);
    mkdirSync(join(dir, 'device', 'src', 'agent'), { recursive: true });
    writeFileSync(join(dir, 'VERSION'), version);
    writeFileSync(join(dir, APP_SELF_TEST_ENTRY), selfTestSource);
    return dir;
  };
  const upload = async (version: string, selfTestSource: string, privateKeyPem = keys.privateKeyPem) => {
    const bundle = bundleFolder(appTree(version, selfTestSource));
    const manifest = signRelease({ kind: 'app', version, bundle, privateKeyPem });
    const r = await api('POST', '/fleet/api/releases', { manifest, bundle: bundle.toString('base64') });
    expect(r.status).toBe(201);
  };
  const rollout = async (release: string, group: string) => {
    const started = await api('POST', '/fleet/api/rollouts', { release, group, maxFailures: 0 });
    expect(started.status).toBe(202);
    return rolloutEnded(api, started.body.rollout.id);
  };

  /** A mirror answering `cmd` with the real update command and the real app self-test runner. */
  async function mirror(group: string) {
    const { deviceId, secret } = await tg.provision();
    await api('PATCH', `/fleet/api/devices/${deviceId}`, { group });
    const appRoot = join(t.dir, deviceId, 'app');
    const acks: Array<{ ok: boolean; error?: string; result?: any }> = [];
    const update = createUpdateCommand({
      gatewayHttpUrl: `https://127.0.0.1:${tg.gateway.httpsPort}`,
      ca: tg.gateway.caCert,
      deviceId,
      secret,
      root: join(t.dir, deviceId, 'releases'),
      appRoot,
      publicKeyPem: keys.publicKeyPem,
      selfTest: (kind, dir) => (kind === 'app' ? appSelfTest(dir, { configFile: '/etc/pose-coach/agent.json', timeoutMs: 8_000 }) : Promise.resolve()),
    });
    const c = await tg.connect(deviceId, secret);
    await c.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 });
    c.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', deviceId)) return;
      const cmd = commandSchema.parse(JSON.parse(payload.toString()));
      void runCommand({ ...cmd, timeoutMs: 30_000 }, { update }).then((ack) => {
        acks.push(ack);
        c.publish(topicFor('cmdAck', deviceId), JSON.stringify(ack), { qos: 1 });
      });
    });
    return { appRoot, current: join(appRoot, 'current'), previous: join(appRoot, 'previous'), acks };
  }

  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, GATEWAY_HTTPS_PORT: 0, FLEET_RELEASE_KEY_FILE: keys.keyFile });
    http = `http://127.0.0.1:${tg.gateway.httpPort}`;
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    t.cleanup();
  });

  it('installs a release whose self-test passes, keeps the one it replaced as previous, and rolls back one that fails or hangs', async () => {
    const m = await mirror('app-canary');
    // The entry sees the agent's config file, as the real one loads it.
    const passes = `if (!process.argv.includes('--config')) { console.error('no --config'); process.exit(1); }\nprocess.exit(0);\n`;

    await upload('1.0.0', passes);
    expect(await rollout('app-1.0.0', 'app-canary')).toMatchObject({ state: 'done', succeeded: 1, failed: 0 });
    expect(readlinkSync(m.current)).toBe(join(m.appRoot, 'releases', '1.0.0'));
    expect(m.acks.at(-1)).toMatchObject({ ok: true, result: { kind: 'app', version: '1.0.0', dir: join(m.appRoot, 'releases', '1.0.0') } });
    expect(existsSync(join(m.current, 'VERSION'))).toBe(true);

    await upload('1.1.0', passes);
    expect(await rollout('app-1.1.0', 'app-canary')).toMatchObject({ state: 'done', succeeded: 1 });
    expect(readlinkSync(m.current)).toBe(join(m.appRoot, 'releases', '1.1.0'));
    expect(readlinkSync(m.previous)).toBe(join(m.appRoot, 'releases', '1.0.0'));

    await upload('2.0.0', `console.error('the test frame gave no keypoints');\nprocess.exit(1);\n`);
    const failed = await rollout('app-2.0.0', 'app-canary');
    expect(failed).toMatchObject({ state: 'stopped', succeeded: 0, failed: 1 });
    expect(failed.failures[0].error).toMatch(/failed its self-test \(app self-test failed: the test frame gave no keypoints\); the previous release is back/);
    expect(m.acks.at(-1)).toMatchObject({ ok: false });
    expect(readlinkSync(m.current)).toBe(join(m.appRoot, 'releases', '1.1.0'));
    expect(existsSync(join(m.appRoot, 'releases', '2.0.0'))).toBe(false);

    await upload('2.0.1', `setInterval(() => undefined, 1000);\n`);
    const hung = await rollout('app-2.0.1', 'app-canary');
    expect(hung.failures[0].error).toMatch(/app self-test failed: no answer within 8000 ms.*previous release is back/);
    expect(readlinkSync(m.current)).toBe(join(m.appRoot, 'releases', '1.1.0'));
    expect(readlinkSync(m.previous)).toBe(join(m.appRoot, 'releases', '1.0.0'));
  }, 90_000);

  it('refuses at upload a release signed by another key, a tampered bundle and a rewritten manifest, so no mirror is ever sent one', async () => {
    const m = await mirror('app-forged');
    const bundle = bundleFolder(appTree('3.0.0', `process.exit(0);\n`));
    const post = (manifest: unknown, b: Buffer) => api('POST', '/fleet/api/releases', { manifest, bundle: b.toString('base64') });

    const foreign = await post(signRelease({ kind: 'app', version: '3.0.0', bundle, privateKeyPem: otherKeys.privateKeyPem }), bundle);
    expect(foreign).toMatchObject({ status: 422, body: { error: 'RELEASE_REFUSED' } });
    expect(foreign.body.message).toMatch(/bad_signature.*app release 3\.0\.0 is not signed by this fleet's key/);

    const manifest = signRelease({ kind: 'app', version: '3.0.0', bundle, privateKeyPem: keys.privateKeyPem });
    const flipped = Buffer.from(bundle);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 10) ^ 0x01, flipped.length - 10);
    expect((await post(manifest, flipped)).body.message).toMatch(/sha256_mismatch/);
    expect((await post({ ...manifest, version: '3.0.1' }, bundle)).body.message).toMatch(/bad_signature/);
    expect((await api('GET', '/fleet/api/releases')).body.releases.map((r: { version: string }) => r.version)).not.toContain('3.0.0');
    expect((await api('POST', '/fleet/api/rollouts', { release: 'app-3.0.0', group: 'app-forged' })).status).toBe(404);
    expect(existsSync(m.current)).toBe(false);
    // The metric counts the refusals.
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/pose_coach_fleet_release_uploads_total\{outcome="RELEASE_REFUSED"\} 3/);
  });

});
