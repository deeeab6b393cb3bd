import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingSharedData } from './support/sharedDataGuard.ts';

describe('the CI guard on ../shared/data', () => {
  it('names labels.json when the folder is absent', () => {
    const dir = join(tmpdir(), 'no-such-shared-data');
    expect(missingSharedData(dir)).toEqual([join(dir, 'labels.json')]);
  });

  it('names every labelled clip and data set that is missing, and nothing that is there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-data-'));
    writeFileSync(join(dir, 'labels.json'), JSON.stringify({ 'videos/a.mp4': { reps: 1 }, 'videos/b.mp4': { reps: 2 } }));
    mkdirSync(join(dir, 'videos'));
    writeFileSync(join(dir, 'videos/a.mp4'), '');
    mkdirSync(join(dir, 'keypoints/form_sequences'), { recursive: true });
    expect(missingSharedData(dir)).toEqual([join(dir, 'videos/b.mp4'), join(dir, 'images/truth_keypoints.csv'), join(dir, 'keypoints/fitness_pose_samples.csv')]);
  });
});
