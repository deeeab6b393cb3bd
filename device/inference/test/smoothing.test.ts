import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from '../src/index.ts';
import { KeypointSmoother, SteadyKeypointSmoother } from '../src/smoothing/keypoint-smoother.ts';
import { keypointsFromVideo } from '../../src/frames/index.ts';
import { formSequences, HAVE_KEYPOINTS, NO_KEYPOINTS, readFormSequence } from '../../test/coach-datasets.ts';
import { HAVE_DATA, NO_DATA_REASON, video } from './shared-data.ts';

// A deterministic pseudo-random jitter so the test cannot flake.
function jitter(i: number): number {
  const s = Math.sin(i * 12.9898) * 43758.5453;
  return (s - Math.floor(s) - 0.5) * 2;
}

describe('One Euro filter', () => {
  it('steadies a joint at rest: frame-to-frame jitter drops by more than half', () => {
    const f = new OneEuroFilter({ minCutoff: 1, beta: 0.01, dCutoff: 1 });
    let rawMoves = 0;
    let filteredMoves = 0;
    let prevRaw = 100;
    let prevOut = 100;
    for (let i = 0; i < 300; i++) {
      const raw = 100 + jitter(i) * 2;
      const out = f.filter(raw, i / 30);
      if (i > 30) {
        rawMoves += Math.abs(raw - prevRaw);
        filteredMoves += Math.abs(out - prevOut);
      }
      prevRaw = raw;
      prevOut = out;
    }
    expect(filteredMoves).toBeLessThan(rawMoves / 2);
  });

  it('follows a fast move with little lag (the cutoff rises with speed)', () => {
    const f = new OneEuroFilter({ minCutoff: 1, beta: 0.05, dCutoff: 1 });
    let out = 0;
    for (let i = 0; i <= 30; i++) out = f.filter(i * 20, i / 30); // 600 px/s
    expect(Math.abs(out - 600)).toBeLessThan(20);
  });

  it('starts over after reset()', () => {
    const f = new OneEuroFilter({ minCutoff: 1, beta: 0, dCutoff: 1 });
    f.filter(0, 0);
    f.filter(0, 1 / 30);
    f.reset();
    expect(f.filter(500, 2 / 30)).toBe(500);
  });
});

describe('keypoint smoother', () => {
  it('smooths in units of the person size, so a near and a far person get the same relative smoothing', () => {
    const near = new KeypointSmoother();
    const far = new KeypointSmoother();
    const kp = (x: number) => [{ name: 'nose' as const, x, y: 0, score: 1 }];
    let n = 0;
    let f = 0;
    for (let i = 0; i < 60; i++) {
      n = near.apply(kp(1000 + jitter(i) * 20), i / 30, 400)[0]!.x;
      f = far.apply(kp(100 + jitter(i) * 2), i / 30, 40)[0]!.x;
    }
    expect(n / 10).toBeCloseTo(f, 6);
  });
});

describe.skipIf(!HAVE_DATA)(`smoothing on a real video ${HAVE_DATA ? '' : NO_DATA_REASON}`, () => {
  it('steadies the joints of a squatting person without shrinking the movement', async () => {
    const runs: Record<'raw' | 'smooth', number[][]> = { raw: [], smooth: [] };
    for (const mode of ['raw', 'smooth'] as const) {
      for await (const f of keypointsFromVideo(video('squat_side.mp4'), { smoothing: mode === 'smooth', maxFrames: 100 })) {
        runs[mode].push(f.keypoints.flatMap((k) => [k.x, k.y]));
      }
    }
    // Jitter: mean |second difference| over every coordinate; movement: range of the hip's height.
    const jitter = (rows: number[][]) => {
      let s = 0;
      let n = 0;
      for (let i = 2; i < rows.length; i++) for (let c = 0; c < rows[i]!.length; c++) (s += Math.abs(rows[i]![c]! - 2 * rows[i - 1]![c]! + rows[i - 2]![c]!)), n++;
      return s / n;
    };
    const hipY = (rows: number[][]) => rows.map((r) => r[2 * 11 + 1]!);
    const range = (v: number[]) => Math.max(...v) - Math.min(...v);
    expect(jitter(runs.smooth)).toBeLessThan(0.7 * jitter(runs.raw));
    expect(range(hipY(runs.smooth))).toBeGreaterThan(0.9 * range(hipY(runs.raw)));
  });
});

/**
 * The estimator's and the coach's smoothers were two modules; these digests are what each former
 * module gave on recorded keypoint streams (OpenPose form sequences at 15 fps, every tenth frame
 * sent twice so time also stands still), so the one module is shown to smooth exactly as they did.
 */
const FORMER_OUTPUT: Record<string, { steady: string; oneEuro: string }> = {
  'bicep_bad_1.npy': { steady: '2cec0801bf72fcc1f751a946f578ea2ad633a2d0683553172440f73b8b878aed', oneEuro: '7725a497b248565134a80a96bf3634ff62e4f99131709907b379f2b0d6ac79c6' },
  'bicep_bad_10.npy': { steady: '934c962071a727a0e1721763a01b20852b1059b37a487681ffa628d58fa5828e', oneEuro: 'be1b8e7ad7dd042f2b963222da738b40ff57f069926b2294df5622e2a7ab149e' },
  'shoulderpressbad1.npy': { steady: '0e11d7d32178e99273fee11a93139346d72407a5450bab5be327e131176b4fb1', oneEuro: '05e75e92a9c95b8fda305393943f62b1e30bd51d22ec605c63b3cba3d0fffc07' },
  'shoulderpressbad10.npy': { steady: '98e1e778f036c7c762ec2f75ce5fb43fa7ff8eb4f7cae9ed02a0265a36467a42', oneEuro: 'd83804df34629d206cec92dc01924983297b1e4263e32ff2feb4f60a9d3f2904' },
};

describe.skipIf(!HAVE_KEYPOINTS)(`one smoothing module for estimator and coach ${HAVE_KEYPOINTS ? '' : NO_KEYPOINTS}`, () => {
  it('gives what the former two smoothers gave on recorded keypoint streams, parameter for parameter', () => {
    const files = ['bicep', 'shoulderpress'].flatMap((d) => formSequences(d).slice(0, 2).map((s) => s.file));
    const got: typeof FORMER_OUTPUT = {};
    for (const file of files) {
      const frames = readFormSequence(file, 15).flatMap((f, i) => (i % 10 === 9 ? [f, f] : [f]));
      const steady = new SteadyKeypointSmoother({ tau: 0.05, holdSeconds: 0.7, cutJump: 0.8 });
      const oneEuro = new KeypointSmoother({ minCutoff: 0.05, beta: 80, dCutoff: 1 });
      const s = createHash('sha256');
      const e = createHash('sha256');
      for (const f of frames) {
        s.update(JSON.stringify(steady.push(f)));
        e.update(JSON.stringify(oneEuro.apply(f.keypoints, f.t, Math.max(f.width, f.height))));
      }
      got[path.basename(file)] = { steady: s.digest('hex'), oneEuro: e.digest('hex') };
    }
    expect(got).toEqual(FORMER_OUTPUT);
  });
});
