import { describe, expect, it } from 'vitest';
import { OneEuroFilter } from '../src/index.ts';
import { KeypointSmoother } from '../src/smoothing/keypoint-smoother.ts';

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
