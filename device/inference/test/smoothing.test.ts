import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from '../src/index.ts';
import { KeypointSmoother } from '../src/smoothing/keypoint-smoother.ts';
import { keypointsFromVideo } from '../../src/frames/index.ts';
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
