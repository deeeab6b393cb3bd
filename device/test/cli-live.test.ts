import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '@pose-coach/models';
import { HAVE_VIDEOS, NO_DATA, REPO_ROOT, video } from './frames-helpers.ts';

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/pose-coach.js'), ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
}

describe('pose-coach live', () => {
  beforeAll(() => installModels(['movenet-lightning', 'movenet-multipose']));

  it.skipIf(!HAVE_VIDEOS)(`prints the frame rate inference reaches on a video played as a camera ${NO_DATA}`, () => {
    const res = cli('live', '--source', `video:${video('squat_side.mp4')}`, '--seconds', '6'); // a report a second, after the model has loaded
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toContain('played as a camera is streaming');
    const rates = [...res.stdout.matchAll(/inference ([\d.]+) fps \| camera ([\d.]+) fps \| dropped (\d+)\/(\d+) \| person/g)];
    expect(rates.length).toBeGreaterThanOrEqual(2);
    expect(Number(rates.at(-1)![1])).toBeGreaterThan(0);
  });

  it('refuses an unknown source, listing the known ones', () => {
    const res = cli('live', '--source', 'kinect');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--source must be csi | webcam[:/dev/videoN] | video:<file>; got "kinect"');
  });
});
