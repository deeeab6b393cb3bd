/**
 * The machine's Chromium (Debian package, never a downloaded build), headless, on a fresh profile,
 * for tests that drive a page as a phone would. Requests leaving loopback are aborted and listed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM_PATH);

/**
 * Debian's Chromium on a fresh profile (a persistent context is how playwright takes a
 * --user-data-dir), without the background chatter this machine's closed network refuses.
 */
export async function launchChromium(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profileDir = mkdtempSync(join(tmpdir(), 'pc-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    ...options,
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

export interface HeadlessPhone {
  context: BrowserContext;
  /** URLs the page tried to reach outside 127.0.0.1 (aborted). */
  outside: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchHeadlessPhone(viewport = { width: 390, height: 760 }): Promise<HeadlessPhone> {
  const { context, close } = await launchChromium({ viewport, isMobile: true });
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
    close,
  };
}

/** Signs in on the pairing page with email and password. */
export async function signInOnPairingPage(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#signin-button');
}
