/**
 * The operators' fleet page in headless Chromium against a real gateway: refused without the
 * admin token, then every mirror with its status, versions, outbox depth and config state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '@pose-coach/protocol';
import { startTestGateway, type TestGateway } from './support/testGateway.ts';
import { chromiumMissing, launchHeadlessPhone, type HeadlessPhone } from './support/headlessChromium.ts';
import { testFleetKeys } from './support/fleetKeys.ts';

const ADMIN = 'fleet-admin-token-for-page-tests-01234';
const keys = testFleetKeys();

describe.skipIf(chromiumMissing)('fleet page', () => {
  let t: TestGateway;
  let browser: HeadlessPhone;

  beforeAll(async () => {
    t = await startTestGateway({ FLEET_ADMIN_TOKEN: ADMIN, FLEET_OFFLINE_AFTER_S: 60, FLEET_RELEASE_KEY_FILE: keys.keyFile });
    browser = await launchHeadlessPhone();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  }, 30_000);

  it('lets in only the admin token, then shows each mirror with status, versions, outbox and config, and rollout progress', async () => {
    const online = await t.provision();
    const offline = await t.provision(null);
    const c = await t.connect(online.deviceId, online.secret);
    c.publish(topicFor('telemetry', online.deviceId), JSON.stringify({ model: 'movenet-lightning', appVersion: '0.4.2', outboxDepth: 7 }));
    const gone = await t.connect(offline.deviceId, offline.secret);
    await gone.endAsync(); // a clean end: offline

    const page = await browser.open(`http://127.0.0.1:${t.gateway.httpPort}/fleet`);
    await page.fill('#admin-token', 'not-the-admin-token-0000000');
    await page.click('#signin');
    await page.getByRole('alert').getByText('wrong fleet admin token').waitFor();
    expect(await page.locator('table').count()).toBe(0);

    await page.fill('#admin-token', ADMIN);
    await page.click('#signin');
    const row = page.locator(`tr[data-device="${online.deviceId}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('.status').textContent()).toBe('online');
    expect(await row.textContent()).toContain('movenet-lightning');
    expect(await row.textContent()).toContain('0.4.2');
    expect(await row.locator('.outbox').textContent()).toBe('7');
    expect(await row.textContent()).toContain('Test Person');
    expect(await page.locator(`tr[data-device="${offline.deviceId}"] .status`).textContent()).toBe('offline');
    expect(await page.locator('#summary').textContent()).toMatch(/2\s*mirrors · 1 online · 1 offline/);

    // A config change shows as pending until the mirror reports it.
    const res = await fetch(`http://127.0.0.1:${t.gateway.httpPort}/fleet/api/config/device:${online.deviceId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ set: { 'coach.minReps': 2 } }),
    });
    const { version } = (await res.json()) as { version: number };
    await page.selectOption('#status', 'online'); // the filter reloads at once
    await expect.poll(() => row.locator('.config').textContent(), { timeout: 10_000 }).toBe(`v? → v${version}`);
    expect(await page.locator(`tr[data-device="${offline.deviceId}"]`).count()).toBe(0);
    c.publish(topicFor('configReported', online.deviceId), JSON.stringify({ version, config: { 'coach.minReps': 2 } }), { qos: 1 });
    await expect.poll(() => row.locator('.config').textContent(), { timeout: 10_000 }).toBe(`v${version}`);

    // Rollout progress: a release to the offline mirror's group is done with it skipped.
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${t.gateway.httpPort}`;
    await fetch(`${base}/fleet/api/devices/${offline.deviceId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ group: 'lobby' }) });
    const bundle = Buffer.from(JSON.stringify({ files: { 'model.json': Buffer.from('{}').toString('base64') } }));
    const manifest = keys.sign('model', '7.0.0', bundle);
    await fetch(`${base}/fleet/api/releases`, { method: 'POST', headers: admin, body: JSON.stringify({ manifest, bundle: bundle.toString('base64') }) });
    await fetch(`${base}/fleet/api/rollouts`, { method: 'POST', headers: admin, body: JSON.stringify({ release: 'model-7.0.0', group: 'lobby' }) });
    await page.selectOption('#status', ''); // reload now
    const rollout = page.locator('#rollouts li');
    await rollout.waitFor({ timeout: 10_000 });
    await expect.poll(() => rollout.locator('.state').textContent(), { timeout: 10_000 }).toBe('done');
    expect(await rollout.textContent()).toMatch(/model-7\.0\.0 to group lobby \(100 %\)/);
    expect(await rollout.locator('.counts').textContent()).toBe('0 installed, 0 failed (stops above 0), 1 offline skipped, 1 targeted');
    expect(await rollout.locator('progress').getAttribute('value')).toBe('100');

    // A mirror's details: set its config and send it a command from the page.
    const commands: string[] = [];
    await c.subscribeAsync(topicFor('cmd', online.deviceId), { qos: 1 });
    c.on('message', (topic, payload) => {
      if (topic !== topicFor('cmd', online.deviceId)) return;
      const cmd = JSON.parse(payload.toString()) as { id: string; name: string };
      commands.push(cmd.name);
      // Updates are held (a rollout in flight, for pause and abort below); the rest answered.
      if (cmd.name !== 'update') c.publish(topicFor('cmdAck', online.deviceId), JSON.stringify({ id: cmd.id, ok: true, result: { fps: 29.5 } }), { qos: 1 });
    });
    await page.setViewportSize({ width: 1600, height: 1200 }); // an operator's screen, not the phone's
    // Forms are submitted and buttons pressed as the page's own events (the table reflows under a pointer every refresh).
    const submit = (form: string) => page.locator(form).evaluate((f) => (f as HTMLFormElement).requestSubmit());
    await row.locator('button.link').dispatchEvent('click');
    const details = page.locator('#device-details');
    await details.waitFor();
    await page.fill('#config-lines', 'coach.minReps=3');
    await submit('#config-form');
    await expect.poll(() => details.textContent(), { timeout: 10_000 }).toContain('"coach.minReps":3');
    await page.selectOption('#command-name', 'diagnostics');
    await submit('#command-form');
    await expect.poll(() => page.locator('#command-answer').textContent(), { timeout: 10_000 }).toContain('diagnostics: ok');
    expect(await page.locator('#command-answer').textContent()).toContain('"fps": 29.5');
    await expect.poll(() => page.locator('#command-history li').first().textContent(), { timeout: 10_000 }).toMatch(/diagnostics: ok/);
    expect(commands).toContain('diagnostics');

    // A staged rollout from the page: canary, wave and concurrency; paused, then aborted.
    await fetch(`${base}/fleet/api/devices/${online.deviceId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ group: 'studio' }) });
    await page.selectOption('#status', 'online'); // reload: the new group is offered
    await page.locator('#rollout-group option', { hasText: 'studio' }).waitFor({ state: 'attached', timeout: 10_000 });
    await page.selectOption('#rollout-release', 'model-7.0.0');
    await page.selectOption('#rollout-group', 'studio');
    await page.fill('#rollout-canary', '1');
    await page.fill('#rollout-wave', '25%');
    await page.fill('#rollout-concurrency', '2');
    await submit('#rollout-form');
    await expect.poll(() => page.locator('#rollout-message').textContent(), { timeout: 10_000 }).toMatch(/started: 1 mirror/);
    const staged = page.locator('#rollouts li.running, #rollouts li.paused').first();
    await staged.waitFor({ timeout: 10_000 });
    await expect.poll(() => commands.includes('update'), { timeout: 10_000 }).toBe(true);
    await staged.locator('button.pause').dispatchEvent('click');
    await expect.poll(() => staged.locator('.state').textContent(), { timeout: 10_000 }).toBe('paused');
    await staged.locator('button.abort').dispatchEvent('click');
    const aborted = page.locator('#rollouts li.aborted');
    await aborted.waitFor({ timeout: 10_000 });
    expect(await aborted.textContent()).toMatch(/model-7\.0\.0 to group studio.*aborted.*aborted by an operator/s);
    const listed = (await (await fetch(`${base}/fleet/api/rollouts`, { headers: admin })).json()) as { rollouts: { state: string; canary: unknown; wave: unknown; concurrency: number }[] };
    expect(listed.rollouts.find((r) => r.state === 'aborted')).toMatchObject({ canary: 1, wave: '25%', concurrency: 2 });
    expect(browser.outside).toEqual([]);
  }, 90_000);
});
