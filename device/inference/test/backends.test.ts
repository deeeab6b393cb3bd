import { describe, expect, it } from 'vitest';
import { readImage } from '../../src/frames/image-folder.ts';
import { availableBackends, BackendUnavailableError, createEstimator, type Pose } from '../src/index.ts';
import { HAVE_DATA, image, NO_DATA_REASON } from './shared-data.ts';

const PHOTOS = ['truth_image1.png', 'truth_image2.jpg', 'person_standing.jpg', 'yoga_tree_pose.jpeg'];

describe('backends', async () => {
  const backends = await availableBackends();
  console.info(`pose backends: ${backends.map((b) => `${b.backend} ${b.available ? 'present' : `absent (${b.reason})`}`).join('; ')}`);

  it('always has the WebAssembly backend', () => {
    expect(backends.find((b) => b.backend === 'tfjs-wasm')?.available).toBe(true);
  });

  it('reports an absent backend with its reason, and refuses to create it with BackendUnavailableError', async () => {
    for (const b of backends.filter((x) => !x.available)) {
      expect(b.reason, b.backend).toMatch(/\w+/);
      await expect(createEstimator({ backend: b.backend, personInFront: false })).rejects.toBeInstanceOf(BackendUnavailableError);
    }
  });

  it.skipIf(!HAVE_DATA)(`every present backend finds the same keypoints on the same photos ${HAVE_DATA ? '' : NO_DATA_REASON}`, async () => {
    const present = backends.filter((b) => b.available).map((b) => b.backend);
    const results = new Map<string, Pose[]>();
    for (const backend of present) {
      const estimator = await createEstimator({ backend, smoothing: false, tracking: false });
      const poses: Pose[] = [];
      for (const photo of PHOTOS) poses.push((await estimator.estimatePoses(readImage(image(photo))))[0]!);
      estimator.dispose();
      results.set(backend, poses);
    }
    const reference = results.get('tfjs-wasm')!;
    expect(reference.every(Boolean)).toBe(true);
    for (const [backend, poses] of results) {
      for (const [i, pose] of poses.entries()) {
        const height = readImage(image(PHOTOS[i]!)).originalHeight;
        for (const [j, k] of pose.keypoints.entries()) {
          const r = reference[i]!.keypoints[j]!;
          expect(Math.hypot(k.x - r.x, k.y - r.y) / height, `${backend} vs tfjs-wasm, ${PHOTOS[i]} ${k.name}`).toBeLessThan(0.02);
          expect(Math.abs(k.score - r.score), `${backend} vs tfjs-wasm score, ${PHOTOS[i]} ${k.name}`).toBeLessThan(0.1);
        }
      }
    }
  });
});
