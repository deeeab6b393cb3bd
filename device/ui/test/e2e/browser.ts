/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (its own browser download is never used), a fresh profile per launch, no network chatter.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium as launchDebianChromium } from '../../../../gateway/test/support/headlessChromium.ts';
import { build } from 'vite';

export const CHROMIUM = CHROMIUM_PATH;
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;
export const ARTIFACTS = resolve(import.meta.dirname, '../../../../test-artifacts/ui');
const UI_ROOT = resolve(import.meta.dirname, '../..');

export const PORTRAIT = { width: 1080, height: 1920 };
export const LANDSCAPE = { width: 1920, height: 1080 };

export interface TestBrowser {
  context: BrowserContext;
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const { context, close } = await launchDebianChromium();
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    close,
  };
}

/** Builds the UI into a folder of its own (test files run in parallel; none touches dist/). */
export async function buildUi(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-dist-'));
  await build({ configFile: join(UI_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Saves a screenshot as test-artifacts/ui/<name>.png, once the screen's fade-in is over. */
export async function shoot(page: Page, name: string): Promise<string> {
  await settled(page);
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Waits for the mirror to show `screen` (its data-screen attribute). */
export async function waitForScreen(page: Page, screen: string, timeout = 60_000): Promise<void> {
  await page.waitForSelector(`main[data-screen="${screen}"]`, { timeout });
}

/** No CSS animation still running (a screen fading in has lower contrast for a moment). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), undefined, { timeout: 5000 });
}
