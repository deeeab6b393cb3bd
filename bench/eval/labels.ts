/** The labelled clips of ../shared/data (labels.json): expected exercise, reps or plank hold. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ClipLabel {
  file: string;
  exercise: string | null;
  reps?: number;
  holdSeconds?: number;
  view?: string;
  note?: string;
  /** For `other`: what the movement is. */
  movement?: string;
}

export function sharedDataDir(repoRoot: string): string {
  return path.resolve(repoRoot, '../shared/data');
}

export function readLabels(dataDir: string): ClipLabel[] {
  const file = path.join(dataDir, 'labels.json');
  if (!existsSync(file)) throw new Error(`no labels at ${file}: the shared test data is missing`);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { exercise: string | null; reps?: number; hold_seconds?: number; view?: string; note?: string; movement?: string }>;
  return Object.entries(raw).map(([rel, v]) => ({
    file: path.join(dataDir, rel),
    exercise: v.exercise,
    reps: v.reps,
    holdSeconds: v.hold_seconds,
    view: v.view,
    note: v.note,
    movement: v.movement,
  }));
}
