// @vitest-environment node
/**
 * Unpairing from the glass as the person sees it, with the real agent and gateway: the question
 * and its countdown (axe clean), a question left unanswered lapses and keeps the pairing, "Keep
 * paired" keeps it, and "Unpair" ends it at the gateway and brings the pairing QR back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../../src/agent/agent.ts';
import { realCoach } from '../../../src/agent/sessionTracker.ts';
import { agentConfigOnGateway, emptyRoom } from '../../../test/agentOnGateway.ts';
import type { TestGateway } from '../../../../gateway/test/support/testGateway.ts';
import { closeAgentStage, openAgentStage, type AgentStage } from './agentStage.ts';
import { seriousViolations } from './axe.ts';
import { chromiumMissing, PORTRAIT, settled, shoot, waitForScreen, type TestBrowser } from './browser.ts';


/** Seconds the question stays answerable: short, so the test sees one lapse. */
const WINDOW_S = 4;

describe.skipIf(chromiumMissing)(`unpairing from the mirror UI${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let tg: TestGateway;
  let ui: AgentStage['ui'];
  let chrome: TestBrowser;
  let agent: Agent | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-unpair-'));

  beforeAll(async () => {
    ({ tg, ui, chrome } = await openAgentStage({ PAIRING_POLL_INTERVAL_S: 1 }));
  });
  afterAll(() => closeAgentStage({ tg, ui, chrome }, agent, dir));

  it('asks with a countdown, lapses or keeps when not confirmed, and shows the pairing QR once confirmed', async () => {
    const { deviceId, secret } = await tg.gateway.registry.create({ name: 'Hall mirror', room: 'Hall' });
    const config = agentConfigOnGateway(tg, { deviceId, secret }, dir, { 'http.uiDir': ui.dir, 'mqtt.unpairConfirmS': WINDOW_S });
    agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source: emptyRoom, createCoach: realCoach });
    const page = await chrome.newPage(PORTRAIT);
    await page.goto(`${agent.url}?rotate=0`);
    await waitForScreen(page, 'idle', 30_000);
    const firstCode = await (await page.waitForSelector('[data-testid="pairing-code"]', { timeout: 30_000 })).textContent();

    // Paired by a phone claiming the code on the glass.
    const token = await tg.tokens.sign('uid-grace', { name: 'Grace Hopper' });
    const res = await tg.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: firstCode } });
    expect(res.statusCode, res.body).toBe(200);
    await page.waitForSelector('[data-testid="display-name"]', { timeout: 30_000 });
    const unpairButton = page.getByRole('button', { name: 'Unpair this mirror' });
    const question = page.getByRole('alertdialog');

    // Asked and left alone: the question goes away by itself and the pairing stays.
    await unpairButton.click();
    await question.waitFor({ timeout: 10_000 });
    expect(await question.textContent()).toMatch(new RegExp(`Unpair this mirror from Grace Hopper\\?.*[1-${WINDOW_S}] s to confirm`));
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);
    await question.waitFor({ state: 'detached', timeout: (WINDOW_S + 3) * 1000 });
    expect(await page.textContent('[data-testid="display-name"]')).toBe('Grace Hopper');
    expect((await tg.gateway.registry.bindingOf(deviceId))?.uid).toBe('uid-grace');

    // Asked and declined.
    await unpairButton.click();
    await page.getByRole('button', { name: 'Keep paired' }).click();
    await question.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await tg.gateway.registry.bindingOf(deviceId))?.uid).toBe('uid-grace');

    // Asked and confirmed: unpaired at the gateway, and the glass offers a new code.
    await unpairButton.click();
    await page.getByRole('button', { name: 'Unpair', exact: true }).click();
    await page.waitForSelector('.qr svg', { timeout: 30_000 });
    const newCode = await page.textContent('[data-testid="pairing-code"]');
    expect(newCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(newCode).not.toBe(firstCode);
    expect(await page.locator('[data-testid="display-name"]').count()).toBe(0);
    expect(await tg.gateway.registry.bindingOf(deviceId)).toBeUndefined();
    await shoot(page, 'agent-idle-unpaired-from-glass');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  }, 180_000);
});
