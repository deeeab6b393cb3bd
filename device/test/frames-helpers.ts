import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const HAVE_VIDEOS = existsSync(path.join(SHARED_DATA, 'videos/squat_side.mp4'));
export const NO_DATA = HAVE_VIDEOS ? '' : `(skipped: test data not found at ${SHARED_DATA})`;
export const video = (name: string) => path.join(SHARED_DATA, 'videos', name);
export const image = (name: string) => path.join(SHARED_DATA, 'images', name);
/** Folder holding the stand-in `rpicam-vid`. */
export const FIXTURES = path.join(REPO_ROOT, 'device/test/frames-fixtures');

/** Runs `fn` with environment variables set, restoring them after. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}
