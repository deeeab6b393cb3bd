/**
 * Rollouts against the real gateway, with mirrors that run the device's real `update` command
 * (download with their credentials, signature and sha256, atomic swap, self-test, rollback):
 * a good release reaches its group only; a bad one stops once failures pass the threshold and
 * every mirror that tried it is back on its previous release.
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandSchema, topicFor } from '@pose-coach/protocol';
import { runCommand } from '../src/agent/commands.ts';
import { createUpdateCommand } from '../src/fleet/updateCommand.ts';
import { signRelease } from '../src/fleet/signRelease.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/testGateway.ts';
import { tempDir } from './outbox-fixtures.ts';
import { fleetAdmin, rolloutEnded } from '../../gateway/test/support/fleetAdmin.ts';
import { testFleetKeys } from '../../gateway/test/support/fleetKeys.ts';

const ADMIN = 'fleet-admin-token-for-rollout-tests-01';
const keys = testFleetKeys();

function bundleOf(files: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify({ files: Object.fromEntries(Object.entries(files).map(([p, s]) => [p, Buffer.from(s).toString('base64')])) }));
}

describe('rollouts', () => {
  let tg: TestGateway;
  let http: string;
  const t = tempDir('fleet-rollout');
  const api = fleetAdmin(() => http, ADMIN);
  const upload = async (version: string, files: Record<string, string>) => {
    const bundle = bundleOf(files);
    const manifest = signRelease({ kind: 'model', version, bundle, privateKeyPem: keys.privateKeyPem });
    return api('POST', '/fleet/api/releases', { manifest, bundle: bundle.toString('base64') });
  };
  const finished = (id: string) => rolloutEnded(api, id);

  /** A mirror answering `cmd` with the device's real update command; its self-test refuses a model marked broken. */
  async function mirror(group: string) {
    const { deviceId, secret } = await tg.provision();
    await api('PATCH', `/fleet/api/devices/${deviceId}`, { group });
    const root = join(t.dir, deviceId);
    // Releases travel over HTTPS, the gateway's CA pinned.
    const update = createUpdateCommand({
      gatewayHttpUrl: `https://127.0.0.1:${tg.gateway.httpsPort}`,
      ca: tg.gateway.caCert,
      deviceId,
      secret,
      root,
      publicKeyPem: keys.publicKeyPem,
      selfTest: async (_kind, dir) => {
        if (readFileSync(join(dir, 'model.json'), 'utf8').includes('broken')) throw new Error('the test frame gave no keypoints');
      },
    });
    const c = await tg.connect(deviceId, secret);
    await c.subscribeAsync(topicFor('cmd', deviceId), { qos: 1 });
    c.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', deviceId)) return;
      const cmd = commandSchema.parse(JSON.parse(payload.toString()));
      void runCommand(cmd, { update }).then((ack) => c.publish(topicFor('cmdAck', deviceId), JSON.stringify(ack), { qos: 1 }));
    });
    return { deviceId, link: join(root, 'model-current') };
  }

  beforeAll(async () => {
    tg = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, GATEWAY_HTTPS_PORT: 0, FLEET_RELEASE_KEY_FILE: keys.keyFile });
    http = `http://127.0.0.1:${tg.gateway.httpPort}`;
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    t.cleanup();
  });

  it('installs a good release on its group only, and stops a bad one at the failure threshold with every mirror rolled back', async () => {
    const canaries = [await mirror('canary'), await mirror('canary'), await mirror('canary')];
    const bystander = await mirror('main');

    expect((await upload('1.0.0', { 'model.json': '{"ok":1}' })).status).toBe(201);
    expect((await upload('1.0.0', { 'model.json': '{"ok":1}' })).body.error).toBe('CONFLICT');
    const good = await api('POST', '/fleet/api/rollouts', { release: 'model-1.0.0', group: 'canary' });
    expect(good.status).toBe(202);
    expect(await finished(good.body.rollout.id)).toMatchObject({ state: 'done', targets: 3, sent: 3, succeeded: 3, failed: 0 });
    for (const m of canaries) expect(readlinkSync(m.link)).toMatch(/model-1\.0\.0$/);
    expect(existsSync(bystander.link)).toBe(false);

    await upload('2.0.0', { 'model.json': '{"broken":true}' });
    const bad = await api('POST', '/fleet/api/rollouts', { release: 'model-2.0.0', group: 'canary', maxFailures: 1, maxFailureRate: 100, concurrency: 1 });
    const stopped = await finished(bad.body.rollout.id);
    expect(stopped).toMatchObject({ state: 'stopped', targets: 3, sent: 2, succeeded: 0, failed: 2 });
    expect(stopped.failures[0].error).toMatch(/failed its self-test \(the test frame gave no keypoints\); the previous release is back/);
    for (const m of canaries) expect(readlinkSync(m.link)).toMatch(/model-1\.0\.0$/);
  });

  it('refuses a release whose bundle does not match its manifest, and a bundle download without mirror credentials', async () => {
    const bundle = bundleOf({ 'model.json': '{}' });
    const manifest = signRelease({ kind: 'model', version: '3.0.0', bundle, privateKeyPem: keys.privateKeyPem });
    const wrong = await api('POST', '/fleet/api/releases', { manifest, bundle: bundleOf({ 'model.json': '{"x":1}' }).toString('base64') });
    expect(wrong).toMatchObject({ status: 422, body: { error: 'RELEASE_REFUSED' } });
    const anon = await fetch(`${http}/fleet/releases/model-1.0.0/bundle`);
    expect(anon.status).toBe(401);
  });
});
