// @vitest-environment node
/**
 * The built UI in headless Chromium against exact live input: the recorded agent stream at its real
 * 30 frames a second (frame pacing of the overlay), and the states a real run rarely shows on cue
 * (unpaired with a pairing code, camera and cloud down, framing advice, a full history), in
 * portrait 1080×1920 and landscape. Screenshots go to test-artifacts/ui/, axe checks every screen.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { FrameReport } from '../../src/lib/frameMeter.ts';
import { FIXTURE, recording, session, standing } from '../support.ts';
import { seriousViolations } from './axe.ts';
import { buildUi, chromiumMissing, launchChromium, LANDSCAPE, PORTRAIT, shoot, waitForScreen, type TestBrowser } from './browser.ts';
import { startScriptedAgent, type ScriptedAgent } from './scriptedAgent.ts';

/**
 * What the overlay itself may cost the page's main thread while poses arrive at 30 fps: a draw
 * well inside one 60 Hz refresh (16.7 ms) at the 95th percentile, and no long task (over 50 ms)
 * taking more than 2 % of the time. Dropped animation frames are printed beside an empty page's
 * share in the same run but not bounded: in headless Chromium on two shared cores they follow
 * the machine's load (0-0.6 % alone, 9-13 % in one CI run whose empty page dropped none), which
 * is what the guide means by timing-bound tests meaning nothing on a busy box.
 */
const MAX_DRAW_MS_P95 = 6;
const MAX_LONG_TASK_SHARE = 0.02;
/**
 * Camera frames that must reach the screen as a distinct drawing. Two can land in one refresh, more
 * often on a loaded machine (93 % drawn alone, 77 % with three busy loops beside it); an overlay that
 * skipped every other pose would sit at 50 %.
 */
const MIN_DRAWN_SHARE = 0.5;

/** Animation frames of the page as it is, with nothing drawn: the machine's own frame drops. */
async function baselineDropShare(page: Page, ms: number): Promise<{ frames: number; dropped: number }> {
  return page.evaluate(
    (ms) =>
      new Promise<{ frames: number; dropped: number }>((done) => {
        const iv: number[] = [];
        let last: number | undefined;
        const t0 = performance.now();
        const tick = (t: number) => {
          if (last !== undefined) iv.push(t - last);
          last = t;
          if (t - t0 < ms) return void requestAnimationFrame(tick);
          const median = [...iv].sort((a, b) => a - b)[Math.floor(iv.length / 2)] ?? 0;
          done({ frames: iv.length, dropped: iv.filter((d) => d > median * 1.5).length });
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/** Starts summing the page's long tasks (main thread busy over 50 ms at a stretch). */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { longTaskMs: number };
    w.longTaskMs = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTaskMs += e.duration;
    }).observe({ type: 'longtask' });
  });
}

const HELLO = { type: 'hello', deviceId: 'mirror-e2e', appVersion: '0.1.0', source: 'camera', simulated: false, exercise: 'auto' } as const;

describe.skipIf(chromiumMissing)(`mirror UI in Chromium, scripted input${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let chrome: TestBrowser;
  let agent: ScriptedAgent;

  beforeAll(async () => {
    ui = await buildUi();
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    ui?.cleanup();
  });

  async function open(viewport: { width: number; height: number }, query = 'rotate=0&summaryHold=600'): Promise<Page> {
    agent = await startScriptedAgent(ui.dir);
    const page = await chrome.newPage(viewport);
    page.on('pageerror', (err) => {
      throw err;
    });
    await page.goto(`${agent.url}?${query}`);
    return page;
  }

  it('draws every pose of a 30 fps stream within a fraction of a refresh, without long tasks (recorded agent stream)', async () => {
    const events = recording();
    const end = events.findIndex((e) => e.event.type === 'session' && e.event.state === 'ended');
    const page = await open(PORTRAIT);
    try {
      await waitForScreen(page, 'connecting', 5000);
      const baseline = await baselineDropShare(page, 4000);
      const baseShare = baseline.dropped / Math.max(1, baseline.frames);
      const playing = agent.play(events.slice(0, end));
      await waitForScreen(page, 'workout', 10_000);
      // Poses of the recording after this point are the ones measured.
      const workoutAt = events.find((e) => e.event.type === 'session' && e.event.state === 'active')!.t;
      await page.evaluate(() => (window as unknown as { poseCoach: { frames: { reset(): void } } }).poseCoach.frames.reset());
      await watchLongTasks(page);
      const t0 = Date.now();
      await playing;
      const posesSent = events.slice(0, end).filter((e) => e.t >= workoutAt && e.event.type === "pose" && e.event.keypoints.length > 0).length;
      const report = await page.evaluate(() => (window as unknown as { poseCoach: { frames: { report(): FrameReport } } }).poseCoach.frames.report());
      const longTaskMs = await page.evaluate(() => (window as unknown as { longTaskMs: number }).longTaskMs);
      const seconds = (Date.now() - t0) / 1000;
      const rows = {
        'animation frames': report.frames,
        'refresh interval (ms, median)': report.refreshMs.toFixed(1),
        'dropped frames': `${report.dropped} (${((report.dropped / Math.max(1, report.frames)) * 100).toFixed(2)}%, not bounded: machine load)`,
        'empty page, same run': `${baseline.dropped} of ${baseline.frames} dropped (${(baseShare * 100).toFixed(2)}%)`,
        'draw ms p95 / max': `${report.drawMsP95.toFixed(2)} / ${report.drawMsMax.toFixed(2)} (bound ${MAX_DRAW_MS_P95} at p95)`,
        'long tasks': `${longTaskMs.toFixed(0)} ms of ${(seconds * 1000).toFixed(0)} (${((longTaskMs / (seconds * 10))).toFixed(2)}%, bound ${MAX_LONG_TASK_SHARE * 100}%)`,
        'camera frames received / drawn': `${report.posesReceived} / ${report.posesDrawn} in ${seconds.toFixed(1)} s (${(report.posesReceived / seconds).toFixed(1)}/s in)`,
      };
      console.log('overlay at 30 fps input:\n' + Object.entries(rows).map(([k, v]) => `  ${k.padEnd(32)} ${v}`).join('\n'));
      expect(report.frames).toBeGreaterThan(seconds * 20);
      expect(report.drawMsP95).toBeLessThanOrEqual(MAX_DRAW_MS_P95);
      expect(longTaskMs / (seconds * 1000)).toBeLessThanOrEqual(MAX_LONG_TASK_SHARE);
      // Nearly every camera frame reached the screen (two landing between the same two draws show as one).
      expect(report.posesReceived).toBeGreaterThan(posesSent * 0.8);
      expect(report.posesDrawn / report.posesReceived).toBeGreaterThan(MIN_DRAWN_SHARE);
    } finally {
      await page.close();
      await agent.close();
    }
  });

  it('replays a recorded stream without an agent (development mode), labelled SIMULATION, with reduced motion respected', async () => {
    mkdirSync(join(ui.dir, 'fixtures'), { recursive: true });
    copyFileSync(FIXTURE, join(ui.dir, 'fixtures', 'simulated-squats.jsonl'));
    const lastCount = recording().filter((e) => e.event.type === 'rep').at(-1)!.event;
    const page = await open(PORTRAIT, 'replay=./fixtures/simulated-squats.jsonl&speed=2&rotate=0&summaryHold=600');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await waitForScreen(page, 'workout', 15_000);
    expect(await page.textContent('.simulation')).toBe('SIMULATION');
    // Screens appear without fading when the person asked for less motion.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.screen')!).animationName)).toBe('none');
    await waitForScreen(page, 'summary', 30_000);
    expect(await page.textContent('[data-testid="summary-reps"]')).toBe(String(lastCount.type === 'rep' && lastCount.count));
    await shoot(page, 'replay-summary');
    await page.close();
    await agent.close();
  });

  for (const [orientation, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
    it(`shows every screen in ${orientation}, each without serious accessibility violations`, async () => {
      const page = await open(viewport);
      const check = async (name: string) => {
        await shoot(page, `${orientation}-${name}`);
        expect(await seriousViolations(page), `${name}: axe`).toEqual([]);
      };
      await page.waitForSelector('main[data-screen="connecting"]');
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('.screen')!).animationName)).toBe('appear');
      await check('connecting');

      // Unpaired: the QR code and the short code the agent reports.
      agent.send(HELLO);
      agent.send({ type: 'link', state: 'online', paired: false, pairingCode: 'K7P-4QX', pairingUrl: 'https://pose-coach.example/pair/K7P4QX' });
      await waitForScreen(page, 'idle');
      await page.waitForSelector('.qr svg');
      expect(await page.textContent('[data-testid="pairing-code"]')).toBe('K7P-4QX');
      await check('idle-unpaired');

      agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
      await page.waitForSelector('[data-testid="display-name"]');
      await check('idle');

      // "Unpair this mirror" pressed: the agent holds the question open for a while.
      agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada', unpairConfirmUntil: new Date(Date.now() + 30_000).toISOString() });
      await page.waitForSelector('[role="alertdialog"]');
      await check('idle-unpair-confirm');
      agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
      await page.waitForSelector('[role="alertdialog"]', { state: 'detached' });

      // Somebody on the mirror's right with their feet cut off, then well placed.
      const pose = (kps: ReturnType<typeof standing>) => agent.send({ type: 'pose', frameAt: Date.now(), keypoints: kps, score: 0.9, inferenceMs: 20, fps: 30, simulated: false, width: 720, height: 1280 });
      pose(standing(0.5, 0.25, 1.2, ['left_ankle', 'right_ankle']));
      await waitForScreen(page, 'framing');
      expect(await page.textContent('h1')).toBe('Step back: your feet are out of view');
      await check('framing');

      // Camera and cloud down, said plainly.
      agent.health = { ok: false, sourceError: 'no frames from /dev/video0 (retry 3 in 8000 ms)' };
      agent.send({ type: 'link', state: 'offline', paired: true, displayName: 'Ada', lastError: 'connect ECONNREFUSED' });
      agent.send({ type: 'outbox', pending: 2, unpaired: 0, quarantined: 0 });
      await page.waitForSelector('[data-alert="camera"]', { timeout: 10_000 });
      await page.waitForSelector('[data-alert="gateway"]');
      await waitForScreen(page, 'idle');
      await check('idle-camera-and-cloud-down');
      agent.health = { ok: true };
      agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
      await page.waitForSelector('[data-alert="camera"]', { state: 'detached', timeout: 10_000 });

      // A workout, mid-set.
      const now = Date.now();
      agent.send({ type: 'session', state: 'active', sessionId: session().sessionId, exercise: 'auto', startedAt: new Date(now - 48_000).toISOString(), reps: 0 });
      for (const [i, score] of [0.95, 0.9, 0.62, 0.88, 0.4, 0.93, 0.97].entries()) {
        agent.send({ type: 'rep', frameAt: now, sessionId: session().sessionId, exercise: 'squat', count: i + 1, score, cues: score < 0.5 ? ['Go a little deeper'] : [] });
      }
      for (let i = 0; i < 10; i++) {
        pose(standing(0.5, 0.12 + i * 0.01, 0.92));
        await new Promise((r) => setTimeout(r, 33));
      }
      await waitForScreen(page, 'workout');
      expect(await page.textContent('[data-testid="rep-count"]')).toBe('7');
      await check('workout');

      const s = session({ reps: 7, partialReps: 1, accuracy: 0.81, duration: 52 });
      agent.history = { today: { range: 'today', since: '', sessions: [{ session: s, sync: 'synced', motivationalFeedback: 'Seven clean squats: your best morning this week!', finishedAt: Date.now() }], stats: { totalSessions: 1, totalReps: 7, averageAccuracy: 0.81, totalDuration: 52 } } };
      agent.send({ type: 'session', state: 'ended', sessionId: s.sessionId, reps: 7, summary: s });
      agent.send({ type: 'session', state: 'idle' });
      await waitForScreen(page, 'summary');
      await page.waitForSelector('[data-testid="motivation"]');
      await check('summary');

      const month = Array.from({ length: 5 }, (_, i) => ({ session: session({ sessionId: crypto.randomUUID(), exercise: ['squat', 'pushup', 'plank', 'bicep_curl', 'lunge'][i]!, reps: 10 + i, ...(i === 2 ? { holdSeconds: 45, reps: 0 } : {}), timestamp: new Date(Date.now() - i * 86_400_000).toISOString() }), sync: i === 0 ? ('pending' as const) : ('synced' as const), finishedAt: Date.now() }));
      agent.history.week = { range: 'week', since: '', sessions: month.slice(0, 3), stats: { totalSessions: 3, totalReps: 21, averageAccuracy: 0.84, totalDuration: 400 } };
      agent.history.month = { range: 'month', since: '', sessions: month, stats: { totalSessions: 5, totalReps: 49, averageAccuracy: 0.82, totalDuration: 900 } };
      await page.evaluate(() => (location.hash = '#/history'));
      // The summary keeps the screen until it times out; the history is asked for explicitly here.
      await page.evaluate(() => (window as unknown as { poseCoach: { mirror: { summary: { dismiss(): void } } } }).poseCoach.mirror.summary.dismiss());
      await waitForScreen(page, 'history');
      await page.waitForFunction(() => document.querySelector('[data-testid="sessions-month"]')?.textContent === '5');
      await check('history');
      await page.close();
      await agent.close();
    });
  }
});
