// @vitest-environment node
/**
 * Nothing on the mirror overlaps, and every text reads: in Chromium, for portrait and landscape,
 * with a video as the camera and with the simulated athlete, the unpaired idle screen, and the
 * framing and workout screens with a body filling the camera frame, and the boxes of every piece of text (one per text node, as laid
 * out) and of the skeleton as drawn are compared pairwise. Text contrast against the black glass
 * is WCAG AA (4.5:1, 3:1 for large text). Screenshots: test-artifacts/ui/layout-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { session, standing } from '../support.ts';
import { buildUi, chromiumMissing, launchChromium, LANDSCAPE, PORTRAIT, shoot, waitForScreen, type TestBrowser } from './browser.ts';
import { startScriptedAgent, type ScriptedAgent } from './scriptedAgent.ts';

interface Box { what: string; x: number; y: number; w: number; h: number }
interface TextBox extends Box { contrast: number; large: boolean }

/** Every laid-out piece of text in the mirror, with its contrast against black, and the skeleton's drawn box. */
function measure(page: Page): Promise<{ texts: TextBox[]; skeleton?: Box; area?: Box }> {
  return page.evaluate(() => {
    const lum = (rgb: number[]) => {
      const [r, g, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const texts: TextBox[] = [];
    const main = document.querySelector('main')!;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (!n.textContent?.trim() || el.closest('.sr, [aria-hidden="true"]')) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) continue;
      const style = getComputedStyle(el);
      const rgb = style.color.match(/[\d.]+/g)!.map(Number);
      const alpha = rgb[3] ?? 1;
      // Over black, a translucent colour is its blend with black.
      const fg = lum(rgb.slice(0, 3).map((v) => v * alpha));
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      texts.push({ what: `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''} "${n.textContent.trim().slice(0, 24)}"`, x: r.x, y: r.y, w: r.width, h: r.height, contrast: (fg + 0.05) / 0.05, large: size >= 24 || (bold && size >= 18.66) });
    }
    const canvas = document.querySelector('canvas');
    const drawn = canvas?.dataset.drawn?.split(' ').map(Number);
    const areaEl = document.querySelector('[data-skeleton-area]')?.getBoundingClientRect();
    return {
      texts,
      ...(drawn?.length === 4 ? { skeleton: { what: 'skeleton', x: drawn[0]!, y: drawn[1]!, w: drawn[2]!, h: drawn[3]! } } : {}),
      ...(areaEl ? { area: { what: 'area', x: areaEl.x, y: areaEl.y, w: areaEl.width, h: areaEl.height } } : {}),
    };
  });
}

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

function overlaps(texts: TextBox[], skeleton?: Box): string[] {
  const found: string[] = [];
  const boxes: Box[] = [...texts, ...(skeleton ? [skeleton] : [])];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      // More than a pixel's sliver (anti-aliasing, rounding) counts.
      if (overlap(boxes[i]!, boxes[j]!) > 4) found.push(`${boxes[i]!.what} × ${boxes[j]!.what}`);
    }
  }
  return found;
}

describe.skipIf(chromiumMissing)(`mirror layout in Chromium: no overlaps, readable text${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let chrome: TestBrowser;

  beforeAll(async () => {
    ui = await buildUi();
    chrome = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    ui?.cleanup();
  });

  for (const [orientation, viewport] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
    for (const mode of ['video', 'simulation'] as const) {
      it(`${orientation}, ${mode}: idle, framing and workout text never overlap each other or the skeleton, and reads at WCAG AA`, async () => {
        const agent: ScriptedAgent = await startScriptedAgent(ui.dir);
        const page = await chrome.newPage(viewport);
        try {
          await page.goto(`${agent.url}?rotate=0&summaryHold=600`);
          await waitForScreen(page, 'connecting', 10_000);
          agent.send({ type: 'hello', deviceId: 'mirror-layout', appVersion: '0.1.0', source: mode, simulated: mode === 'simulation', exercise: 'auto' });
          agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });
          // The camera frame in the screen's own orientation, the person filling it top to bottom.
          const [fw, fh] = orientation === 'portrait' ? [720, 1280] : [1280, 720];
          let poses: NodeJS.Timeout | undefined;
          const streamPoses = (kps: ReturnType<typeof standing>) => {
            clearInterval(poses);
            poses = setInterval(() => agent.send({ type: 'pose', frameAt: Date.now(), keypoints: kps, score: 0.9, inferenceMs: 20, fps: 30, simulated: mode === 'simulation', width: fw, height: fh }), 33);
          };
          const check = async (name: string, withSkeleton = true) => {
            if (withSkeleton) await page.waitForFunction(() => Boolean(document.querySelector('canvas')?.dataset.drawn), undefined, { timeout: 10_000 });
            await shoot(page, `layout-${orientation}-${mode}-${name}`);
            const m = await measure(page);
            expect(m.texts.length, `${name}: text found`).toBeGreaterThan(3);
            expect(overlaps(m.texts, m.skeleton), `${name}: overlapping boxes`).toEqual([]);
            // The skeleton stays inside the area the screen left free for it.
            if (withSkeleton) expect(m.skeleton && m.area && overlap(m.skeleton, m.area) >= m.skeleton.w * m.skeleton.h * 0.99, `${name}: skeleton inside its area`).toBe(true);
            const dim = m.texts.filter((t) => t.contrast < (t.large ? 3 : 4.5)).map((t) => `${t.what} ${t.contrast.toFixed(2)}:1`);
            expect(dim, `${name}: text below WCAG AA contrast`).toEqual([]);
            if (mode === 'simulation') expect(m.texts.some((t) => t.what.includes('SIMULATION'))).toBe(true);
          };

          // Unpaired and idle: clock, prompt, QR code, short code and the link as text.
          agent.send({ type: 'link', state: 'online', paired: false, pairingCode: 'BCDF-GHJK', pairingUrl: 'http://192.0.2.2:8080/pair?code=BCDF-GHJK' });
          await waitForScreen(page, 'idle');
          await page.waitForSelector('[data-testid="pairing-url"]');
          await check('idle-unpaired', false);
          agent.send({ type: 'link', state: 'online', paired: true, displayName: 'Ada' });

          // Framing: feet out of view.
          streamPoses(standing(0.5, 0.02, 1.1, ['left_ankle', 'right_ankle']));
          await waitForScreen(page, 'framing');
          await check('framing');

          // A workout mid-set with a cue, the body filling the frame.
          const now = Date.now();
          agent.send({ type: 'session', state: 'active', sessionId: session().sessionId, exercise: 'auto', startedAt: new Date(now - 48_000).toISOString(), reps: 0 });
          for (const [i, score] of [0.95, 0.9, 0.62, 0.88, 0.4, 0.93, 0.97, 0.91, 0.9, 0.88, 0.86, 0.92].entries()) {
            agent.send({ type: 'rep', frameAt: now, sessionId: session().sessionId, exercise: 'squat', count: i + 1, score, cues: [] });
          }
          agent.send({ type: 'cue', frameAt: Date.now(), text: 'Keep your chest up and push your knees out', severity: 'warn' });
          streamPoses(standing(0.5, 0.02, 0.98));
          await waitForScreen(page, 'workout');
          await page.waitForFunction(() => document.querySelector('[data-testid="rep-count"]')?.textContent === '12');
          await page.waitForFunction(() => Boolean(document.querySelector('[data-testid="cue"]')?.textContent?.trim()));
          await check('workout');
          clearInterval(poses);
        } finally {
          await page.close();
          await agent.close();
        }
      }, 90_000);
    }
  }

  it('names a favicon, so the kiosk never asks for /favicon.ico', async () => {
    const agent = await startScriptedAgent(ui.dir);
    const page = await chrome.newPage(PORTRAIT);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      await page.goto(agent.url);
      expect(await page.getAttribute('link[rel="icon"]', 'href')).toMatch(/^data:image\/svg\+xml,/);
      await page.waitForTimeout(500);
      expect(asked).not.toContain('/favicon.ico');
    } finally {
      await page.close();
      await agent.close();
    }
  });
});
