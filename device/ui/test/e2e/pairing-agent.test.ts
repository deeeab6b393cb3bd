// @vitest-environment node
/**
 * Pairing as the person sees it: a new mirror (the real agent, linked to a real gateway) shows the
 * QR code and short code the gateway issued; once a phone claims the code, the mirror greets the
 * person by name and the pairing panel goes away.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveEventSchema, type LiveEvent } from '@pose-coach/protocol';
import { createAgent, type Agent } from '../../../src/agent/agent.ts';
import { realCoach } from '../../../src/agent/sessionTracker.ts';
import { agentConfigOnGateway, emptyRoom } from '../../../test/agentOnGateway.ts';
import type { TestGateway } from '../../../../gateway/test/support/testGateway.ts';
import { closeAgentStage, openAgentStage, type AgentStage } from './agentStage.ts';
import { seriousViolations } from './axe.ts';
import { chromiumMissing, PORTRAIT, shoot, waitForScreen, type TestBrowser } from './browser.ts';


describe.skipIf(chromiumMissing)(`pairing on the mirror UI${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let tg: TestGateway;
  let ui: AgentStage['ui'];
  let chrome: TestBrowser;
  let agent: Agent | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-pair-'));

  beforeAll(async () => {
    ({ tg, ui, chrome } = await openAgentStage({ PAIRING_POLL_INTERVAL_S: 1 }));
  });
  afterAll(() => closeAgentStage({ tg, ui, chrome }, agent, dir));

  it('shows the gateway’s pairing code and QR while unpaired, then the person’s name once a phone claims it', async () => {
    const { deviceId, secret } = await tg.gateway.registry.create({ name: 'Hall mirror', room: 'Hall' });
    const config = agentConfigOnGateway(tg, { deviceId, secret }, dir, { 'http.uiDir': ui.dir });
    agent = await createAgent({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), source: emptyRoom, createCoach: realCoach });
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (d) => events.push(liveEventSchema.parse(JSON.parse(String(d)))));

    const page = await chrome.newPage(PORTRAIT);
    await page.goto(`${agent.url}?rotate=0`);
    await waitForScreen(page, 'idle', 30_000);
    await page.waitForSelector('[data-testid="pairing-code"]', { timeout: 30_000 });
    await page.waitForSelector('.qr svg');
    const shown = await page.textContent('[data-testid="pairing-code"]');
    const offered = events.filter((e): e is Extract<LiveEvent, { type: 'link' }> => e.type === 'link' && !!e.pairingCode).at(-1);
    expect(shown).toBe(offered?.pairingCode);
    expect(offered?.pairingUrl).toContain(encodeURIComponent(shown!).replace(/%2D/g, '-'));
    await shoot(page, 'agent-idle-unpaired');
    expect(await seriousViolations(page)).toEqual([]);

    // The phone: signed in, claims the code the person read off the mirror.
    const token = await tg.tokens.sign('uid-grace', { name: 'Grace Hopper' });
    const res = await tg.gateway.api.inject({ method: 'POST', url: '/api/pairing/claim', headers: { authorization: `Bearer ${token}` }, payload: { user_code: shown } });
    expect(res.statusCode, res.body).toBeLessThan(300);

    await page.waitForSelector('[data-testid="display-name"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="display-name"]')).toBe('Grace Hopper');
    expect(await page.locator('[data-testid="pairing-code"]').count()).toBe(0);
    await shoot(page, 'agent-idle-paired');
    ws.close();
    await page.close();
  }, 180_000);
});
