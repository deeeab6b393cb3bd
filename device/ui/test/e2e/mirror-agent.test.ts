// @vitest-environment node
/**
 * The whole mirror in headless Chromium: the real agent (real inference and coach) playing a real
 * clip from ../shared/data as its camera, linked over TLS to a real gateway (aedes, BullMQ on the
 * local Redis, MariaDB, Firestore emulator). The UI reaches each screen, shows the coach's rep
 * count, and the summary shows the gateway's motivational feedback and "saved".
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveEventSchema, type LiveEvent, type SessionPayload } from '@pose-coach/protocol';
import { createEstimator } from '@pose-coach/inference';
import { createAgent, type Agent } from '../../../src/agent/agent.ts';
import { realCoach } from '../../../src/agent/sessionTracker.ts';
import { agentConfigOnGateway } from '../../../test/agentOnGateway.ts';
import { choosePoseSource } from '../../../src/agent/poseSources.ts';
import type { TestGateway } from '../../../../gateway/test/support/testGateway.ts';
import { closeAgentStage, openAgentStage, type AgentStage } from './agentStage.ts';
import { seriousViolations } from './axe.ts';
import { chromiumMissing, PORTRAIT, shoot, waitForScreen, type TestBrowser } from './browser.ts';

const REPO = resolve(import.meta.dirname, '../../../..');
const DATA = resolve(REPO, '../shared/data');
const CLIP = process.env.UI_E2E_CLIP ?? 'squat_side.mp4';
const clipPath = join(DATA, 'videos', CLIP);
const skipReason = !existsSync(clipPath) ? `${clipPath} absent (../shared/data is not here)` : chromiumMissing;

/** Records, inside the page, every screen shown and every rep count displayed. */
const RECORDER = `
  window.__seen = { screens: [], counts: [] };
  new MutationObserver(() => {
    const s = document.querySelector('main[data-screen]')?.getAttribute('data-screen');
    const seen = window.__seen;
    if (s && seen.screens.at(-1) !== s) seen.screens.push(s);
    const c = document.querySelector('[data-testid="rep-count"]')?.textContent;
    if (c && seen.counts.at(-1) !== c) seen.counts.push(c);
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
`;
const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: { screens: string[]; counts: string[] } }).__seen);

describe.skipIf(skipReason)(`mirror UI against the real agent and gateway${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let tg: TestGateway;
  let ui: AgentStage['ui'];
  let chrome: TestBrowser;
  let agent: Agent | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-e2e-'));

  beforeAll(async () => {
    ({ tg, ui, chrome } = await openAgentStage());
  });
  afterAll(() => closeAgentStage({ tg, ui, chrome }, agent, dir));

  it(`shows ${CLIP} from idle to summary: the coach's count on screen, the gateway's feedback, then idle and history`, async () => {
    const dev = await tg.provision();
    const config = agentConfigOnGateway(tg, dev, dir, {
      'http.uiDir': ui.dir,
      'source.kind': 'video',
      'source.video': clipPath,
      'source.loopVideo': false,
      'coach.idleEndS': 2,
    });
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    // What startAgent() does; with source.loopVideo false the clip plays once.
    const { source } = choosePoseSource(config, () => createEstimator({ model: config.inference.model, backend: config.inference.backend }), log);
    agent = await createAgent({ config, log, source, createCoach: realCoach });

    // The coach's own count, as the agent tells any client.
    const events: LiveEvent[] = [];
    const ws = new WebSocket(`${agent.url.replace('http', 'ws')}live`);
    ws.on('message', (d) => events.push(liveEventSchema.parse(JSON.parse(String(d)))));

    const page = await chrome.newPage(PORTRAIT);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(RECORDER);
    await page.goto(`${agent.url}?rotate=0&summaryHold=15`);

    await waitForScreen(page, 'workout', 90_000);
    await page.waitForSelector('[data-testid="rep-count"]');
    expect(await page.locator('.simulation').count()).toBe(0);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="rep-count"]')?.textContent) >= 1, undefined, { timeout: 60_000 }).catch(() => undefined);
    await shoot(page, 'agent-workout');

    await waitForScreen(page, 'summary', 120_000);
    const ended = events.find((e): e is Extract<LiveEvent, { type: 'session' }> => e.type === 'session' && e.state === 'ended' && !!e.summary);
    expect(ended, 'the agent ended a session with a summary').toBeTruthy();
    const summary = ended!.summary as SessionPayload;
    const reps = events.filter((e) => e.type === 'rep');
    const coachCount = reps.at(-1)?.type === 'rep' ? (reps.at(-1) as { count: number }).count : 0;
    expect(summary.reps).toBe(coachCount);

    // The count the person saw during the workout, and the summary's, are the coach's.
    const shown = await seen(page);
    expect(shown.counts.at(-1)).toBe(String(coachCount));
    expect(await page.textContent('[data-testid="summary-reps"]')).toBe(String(coachCount));

    // The gateway's motivational feedback arrives with its `stored` ack, via the agent's history.
    await page.waitForSelector('[data-testid="motivation"]', { timeout: 60_000 });
    const history = (await (await fetch(`${agent.url}api/history?range=today`)).json()) as { sessions: { session: SessionPayload; sync: string; motivationalFeedback?: string }[] };
    const mine = history.sessions.find((s) => s.session.sessionId === summary.sessionId);
    expect(mine?.motivationalFeedback).toBeTruthy();
    expect(await page.textContent('[data-testid="motivation"]')).toBe(mine!.motivationalFeedback);
    expect(await page.getAttribute('[data-testid="sync"]', 'data-sync')).toBe('synced');
    const stored = await tg.gateway.repositories.mysql.get(dev.uid, summary.sessionId);
    expect(stored).toMatchObject({ sessionId: summary.sessionId, reps: coachCount });
    await shoot(page, 'agent-summary');
    expect(await seriousViolations(page)).toEqual([]);

    // After the summary: the idle screen with the paired person's name.
    await waitForScreen(page, 'idle', 40_000);
    expect(await page.textContent('[data-testid="display-name"]')).toBe('Test Person');
    await shoot(page, 'agent-idle');
    expect(await seriousViolations(page)).toEqual([]);

    await page.evaluate(() => (location.hash = '#/history'));
    await waitForScreen(page, 'history');
    await page.waitForFunction((n) => document.querySelector('[data-testid="reps-today"]')?.textContent === String(n), coachCount, { timeout: 10_000 });
    expect(await page.textContent('[data-testid="sessions-today"]')).toBe('1');
    await shoot(page, 'agent-history');
    expect(await seriousViolations(page)).toEqual([]);

    const all = await seen(page);
    console.log(`${CLIP}: coach counted ${coachCount} reps (exercise ${summary.exercise}, accuracy ${summary.accuracy.toFixed(2)}); screens in order: ${all.screens.join(' → ')}; counts shown: ${all.counts.join(', ')}`);
    for (const s of ['connecting', 'workout', 'summary', 'idle', 'history']) expect(all.screens).toContain(s);
    expect(errors).toEqual([]);
    ws.close();
    await page.close();
  }, 300_000);
});
