/** Builds the phone app (Vite) into a folder of its own: test files run in parallel and none touches dist/. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const CONFIG = resolve(import.meta.dirname, '../../phone-app/vite.config.ts');

export async function buildPhoneApp(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-phone-app-dist-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
