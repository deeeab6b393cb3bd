import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYPOINT_NAMES } from '@pose-coach/inference';
import { installModels } from '@pose-coach/models';
import { parseKeypointsLine } from '../src/cli/keypoints-jsonl.ts';
import { probeVideo } from '../src/frames/index.ts';
import { HAVE_VIDEOS, NO_DATA, REPO_ROOT, video } from './frames-helpers.ts';

/** Runs the real CLI the way a user does (node bin/pose-coach.js …). */
function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/pose-coach.js'), ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 120_000 });
}

describe('pose-coach analyze', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pose-cli-'));
  beforeAll(() => installModels(['movenet-lightning', 'movenet-multipose']));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!HAVE_VIDEOS)(`writes one line of 17 named keypoints per video frame ${NO_DATA}`, () => {
    const clip = video('dance_no_exercise.mp4'); // 576×576, 30 fps, 120 frames
    const out = path.join(dir, 'dance.jsonl');
    const res = cli('analyze', clip, '--keypoints', out);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/120 frames of .*dance_no_exercise\.mp4 .* frames\/s\); keypoints in/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map(parseKeypointsLine);
    expect(lines).toHaveLength(probeVideo(clip).frames);
    expect(lines[30]!.t).toBeCloseTo(1, 4);
    const withPerson = lines.filter((l) => l.keypoints.length > 0);
    expect(withPerson.length).toBeGreaterThan(100); // the dancer is in view throughout
    for (const l of withPerson) {
      expect([l.w, l.h]).toEqual([576, 576]);
      expect(l.keypoints.map((k) => k.name)).toEqual([...KEYPOINT_NAMES]);
      for (const k of l.keypoints) {
        expect(k.x).toBeGreaterThanOrEqual(-576);
        expect(k.x).toBeLessThanOrEqual(2 * 576);
        expect(k.score).toBeGreaterThanOrEqual(0);
        expect(k.score).toBeLessThanOrEqual(1);
      }
    }
  });

  it.skipIf(!HAVE_VIDEOS)(`runs on the fastest backend present unless --backend says otherwise, and says which ${NO_DATA}`, () => {
    installModels(['movenet-lightning-onnx', 'movenet-multipose-onnx']);
    const onnxPlatform = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');
    const auto = cli('analyze', video('squat_front_bands.mp4'), '--json');
    expect(auto.status, auto.stderr).toBe(0);
    if (onnxPlatform) expect(auto.stderr).toMatch(/65 frames of .*squat_front_bands\.mp4 with movenet-lightning on onnx in/);
    const wasm = cli('analyze', video('squat_front_bands.mp4'), '--json', '--backend', 'tfjs-wasm');
    expect(wasm.status, wasm.stderr).toBe(0);
    expect(wasm.stderr).toMatch(/with movenet-lightning on tfjs-wasm in/);
    expect(JSON.parse(wasm.stdout).reps).toBe(JSON.parse(auto.stdout).reps);
  });

  it('refuses an unknown backend, listing the known ones', () => {
    const res = cli('analyze', 'any.mp4', '--backend', 'cuda');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--backend must be one of auto, onnx, tfjs-node, tfjs-wasm; got "cuda"');
  });

  it('refuses a missing video, naming it', () => {
    const res = cli('analyze', '/nowhere/clip.mp4', '--keypoints', path.join(dir, 'x.jsonl'));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('video file not found: /nowhere/clip.mp4');
  });

  it('refuses an unknown model, listing the known ones', () => {
    const res = cli('analyze', 'any.mp4', '--keypoints', path.join(dir, 'x.jsonl'), '--model', 'posenet');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--model must be one of movenet-lightning, movenet-thunder; got "posenet"');
  });

  it.skipIf(!HAVE_VIDEOS)(`names the model file and the install command when the model is missing ${NO_DATA}`, () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'pose-cli-nomodel-'));
    try {
      const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/pose-coach.js'), 'analyze', video('dance_no_exercise.mp4'), '--keypoints', path.join(dir, 'y.jsonl')], {
        encoding: 'utf8',
        env: { ...process.env, POSE_COACH_MODELS_DIR: empty },
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`model file ${path.join(empty, 'movenet-lightning.json')} is missing`);
      expect(res.stderr).toContain('npm run models:install');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('prints usage and exits 2 without a command', () => {
    const res = cli();
    expect(res.status).toBe(2);
    expect(res.stdout).toContain('usage: pose-coach <command>');
  });
});
