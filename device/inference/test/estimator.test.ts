import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/frames/image-folder.ts';
import { createEstimator, type Frame, type PoseEstimator } from '../src/index.ts';
import { HAVE_DATA, image, NO_DATA_REASON, parseTruthCsv } from './shared-data.ts';

describe('estimator lifecycle', () => {
  let estimator: PoseEstimator;
  beforeAll(async () => {
    estimator = await createEstimator({ model: 'movenet-lightning', backend: 'tfjs-wasm' }); // the leak test counts tfjs tensors
  });
  afterAll(() => estimator.dispose());

  it('finds nobody in a black frame', async () => {
    const frame: Frame = { data: new Uint8Array(320 * 240 * 3), width: 320, height: 240, t: 0 };
    expect(await estimator.estimatePoses(frame)).toEqual([]);
  });

  it('refuses a frame whose buffer is smaller than its size says', async () => {
    await expect(estimator.estimatePoses({ data: new Uint8Array(10), width: 320, height: 240 })).rejects.toThrow(/320×240 RGB needs 230400 bytes, got 10/);
  });

  it('leaks no tensors from frame to frame', async () => {
    const frame: Frame = { data: new Uint8Array(320 * 240 * 3).map((_, i) => (i * 7) % 255), width: 320, height: 240 };
    await estimator.estimatePoses({ ...frame, t: 0 }); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 5; i++) await estimator.estimatePoses({ ...frame, t: i / 30 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to run after dispose()', async () => {
    const e = await createEstimator({ personInFront: false });
    e.dispose();
    await expect(e.estimatePoses({ data: new Uint8Array(12), width: 2, height: 2 })).rejects.toThrow(/after dispose/);
  });
});

describe.skipIf(!HAVE_DATA)(`estimator on photos ${HAVE_DATA ? '' : NO_DATA_REASON}`, () => {
  it('gives keypoints in the original pixels when the source hands a downscaled frame', async () => {
    const estimator = await createEstimator({ smoothing: false, tracking: false });
    try {
      const full = readImage(image('person_standing.jpg'));
      const small = readImage(image('person_standing.jpg'), { maxSide: 256 });
      expect(small.width).toBeLessThan(full.width);
      const [a] = await estimator.estimatePoses(full);
      const [b] = await estimator.estimatePoses(small);
      for (const [j, k] of a!.keypoints.entries()) {
        if (k.score < 0.3) continue;
        expect(Math.hypot(k.x - b!.keypoints[j]!.x, k.y - b!.keypoints[j]!.y) / full.originalHeight).toBeLessThan(0.03);
      }
    } finally {
      estimator.dispose();
    }
  });

  it('follows a person far from the camera with the crop region and gets more precise joints', async () => {
    // truth_image1 shrunk into the middle of a canvas 3× its size: the person is a third of the
    // height MoveNet sees on the whole frame; the tracked crop brings them back to full size.
    const photo = readImage(image('truth_image1.png'));
    const truth = parseTruthCsv(readFileSync(image('truth_keypoints.csv'), 'utf8'))[0]!;
    const k = 3;
    const W = photo.width * k;
    const H = photo.height * k;
    const data = new Uint8Array(W * H * 3);
    const ox = photo.width;
    const oy = photo.height;
    for (let y = 0; y < photo.height; y++) data.set(photo.data.subarray(y * photo.width * 3, (y + 1) * photo.width * 3), ((oy + y) * W + ox) * 3);
    const canvas: Frame = { data, width: W, height: H };
    const meanError = (kps: { x: number; y: number }[]) =>
      kps.reduce((s, p, j) => s + Math.hypot(p.x - ox - truth[j]!.x, p.y - oy - truth[j]!.y), 0) / kps.length / photo.height;

    const untracked = await createEstimator({ tracking: false, smoothing: false });
    const tracked = await createEstimator({ smoothing: false });
    try {
      const [whole] = await untracked.estimatePoses({ ...canvas, t: 0 });
      let pose;
      for (let i = 0; i < 3; i++) [pose] = await tracked.estimatePoses({ ...canvas, t: i / 30 });
      const eWhole = meanError(whole!.keypoints);
      const eTracked = meanError(pose!.keypoints);
      expect(eTracked, `tracked ${(eTracked * 100).toFixed(2)}% vs whole frame ${(eWhole * 100).toFixed(2)}% of the person's height`).toBeLessThan(eWhole);
      expect(eTracked).toBeLessThan(0.03);
    } finally {
      untracked.dispose();
      tracked.dispose();
    }
  });

  it('keeps to the person in front when three people are in view', async () => {
    // three_people.jpg: two men standing behind a seated one, who is nearest the camera; his
    // nose is at about (384, 468) in the 1049×861 photo.
    const estimator = await createEstimator({ smoothing: false });
    try {
      const frame = readImage(image('three_people.jpg'), { maxSide: 384 });
      for (let i = 0; i < 5; i++) {
        const [pose] = await estimator.estimatePoses({ ...frame, t: i / 30 });
        const nose = pose!.keypoints[0]!;
        expect(Math.hypot(nose.x - 384, nose.y - 468) / frame.originalHeight, `frame ${i}: nose at ${nose.x.toFixed(0)},${nose.y.toFixed(0)}`).toBeLessThan(0.05);
      }
    } finally {
      estimator.dispose();
    }
  });
});
