/**
 * Vitest global set-up: in CI (`CI=true`) the shared test data must be there. Tests that read
 * ../shared/data skip with a message when it is absent, which is right on a developer's machine
 * without the folder and wrong in CI, where a skip would let the coach and inference go untested.
 * So CI fails here, once, naming what is missing; outside CI nothing is checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DATA = resolve(import.meta.dirname, '../../../shared/data');

/** What is missing of ../shared/data: the folders tests read and every clip labels.json names. */
export function missingSharedData(dir = DATA): string[] {
  const labels = join(dir, 'labels.json');
  if (!existsSync(labels)) return [labels];
  const clips = Object.keys(JSON.parse(readFileSync(labels, 'utf8')) as Record<string, unknown>);
  const needed = [...clips, 'images/truth_keypoints.csv', 'keypoints/fitness_pose_samples.csv', 'keypoints/form_sequences'];
  return needed.map((p) => join(dir, p)).filter((p) => !existsSync(p));
}

export default function setup(): void {
  if (process.env.CI !== 'true') return;
  const missing = missingSharedData();
  if (missing.length) {
    throw new Error(`CI=true but the shared test data is incomplete (tests would skip): missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
}
