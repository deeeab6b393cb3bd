/**
 * The machine's Chromium (Debian package, never a downloaded build), headless, on a fresh profile,
 * for tests that drive a page as a phone would. Requests leaving loopback are aborted and listed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM_PATH);

export interface HeadlessPhone {
  context: BrowserContext;
  /** URLs the page tried to reach outside 127.0.0.1 (aborted). */
  outside: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchHeadlessPhone(): Promise<HeadlessPhone> {
  const profileDir = mkdtempSync(join(tmpdir(), 'pc-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 390, height: 760 },
    isMobile: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const outside: string[] = [];
  return {
    context,
    outside,
    async open(url) {
      const page = await context.newPage();
      await page.route('**/*', (route) => {
        if (new URL(route.request().url()).hostname === '127.0.0.1') return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the pairing page with email and password. */
export async function signInOnPairingPage(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#signin-button');
}
