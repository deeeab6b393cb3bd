import type { Keypoint, KeypointName } from '../types.ts';
import { cropRegionFromKeypoints, torsoVisible, type CropRegion } from './crop-region.ts';
import { keypointsFromOutput } from './postprocess.ts';

/**
 * Choosing the person in front when several are in view. MoveNet SinglePose locks onto whoever
 * it finds most salient, which need not be the one at the mirror; so when tracking starts the
 * MultiPose model lists everyone and the largest person (the nearest to the camera) is
 * followed from then on with the crop region.
 */

/** One person found by MoveNet MultiPose, in frame pixels. */
export interface FoundPerson {
  keypoints: Keypoint[];
  box: { xMin: number; yMin: number; xMax: number; yMax: number };
  /** MultiPose's person score. */
  score: number;
}

/** MultiPose's output is [1, 6, 56]: per person 17 × (y, x, score), then box (yMin, xMin, yMax, xMax) and a score. */
export function peopleFromMultiposeOutput(output: ArrayLike<number>, region: CropRegion, width: number, height: number, minScore = 0.25): FoundPerson[] {
  const people: FoundPerson[] = [];
  for (let p = 0; p * 56 + 55 < output.length; p++) {
    const o = Array.from({ length: 56 }, (_, i) => output[p * 56 + i]!);
    const score = o[55]!;
    if (score < minScore) continue;
    const X = (v: number) => (region.xMin + v * region.width) * width;
    const Y = (v: number) => (region.yMin + v * region.height) * height;
    people.push({
      keypoints: keypointsFromOutput(o.slice(0, 51), region, width, height),
      box: { yMin: Y(o[51]!), xMin: X(o[52]!), yMax: Y(o[53]!), xMax: X(o[54]!) },
      score,
    });
  }
  return people;
}

const MIN_CUE_SCORE = 0.2;

/**
 * How big a person looks, in pixels of shoulder width: the median of several cues, each scaled
 * by adult body proportions (shoulders ≈ 2.7 × ear-to-ear ≈ 6 × eye-to-eye ≈ 0.75 × torso), so
 * a sitting, side-on or half-visible person is still measured by what shows.
 */
export function apparentSize(person: FoundPerson): number {
  const k = new Map<string, Keypoint>(person.keypoints.map((p) => [p.name, p]));
  const dist = (a: KeypointName, b: KeypointName) => {
    const p = k.get(a)!;
    const q = k.get(b)!;
    return Math.min(p.score, q.score) >= MIN_CUE_SCORE ? Math.hypot(p.x - q.x, p.y - q.y) : undefined;
  };
  const cues: number[] = [];
  const push = (v: number | undefined, factor: number) => v !== undefined && cues.push(v * factor);
  push(dist('left_shoulder', 'right_shoulder'), 1);
  push(dist('left_ear', 'right_ear'), 2.7);
  push(dist('left_eye', 'right_eye'), 6);
  if (torsoVisible(person.keypoints)) {
    const mid = (a: KeypointName, b: KeypointName) => {
      const p = k.get(a)!;
      const q = k.get(b)!;
      return p.score >= q.score ? p : q; // the better-seen side stands for the pair
    };
    const s = mid('left_shoulder', 'right_shoulder');
    const h = mid('left_hip', 'right_hip');
    cues.push(Math.hypot(s.x - h.x, s.y - h.y) * 0.75);
  }
  if (cues.length === 0) return Math.hypot(person.box.xMax - person.box.xMin, person.box.yMax - person.box.yMin) * 0.25;
  cues.sort((a, b) => a - b);
  const m = cues.length >> 1;
  return cues.length % 2 ? cues[m]! : (cues[m - 1]! + cues[m]!) / 2;
}

/** The person nearest the camera, or undefined when nobody was found. */
export function personInFront(people: FoundPerson[]): FoundPerson | undefined {
  let best: FoundPerson | undefined;
  let bestSize = -1;
  for (const p of people) {
    const size = apparentSize(p);
    if (size > bestSize) {
      best = p;
      bestSize = size;
    }
  }
  return best;
}

/** Where to look for the chosen person: MoveNet's crop from their joints, or a square around their box. */
export function cropRegionForPerson(person: FoundPerson, width: number, height: number): CropRegion {
  if (torsoVisible(person.keypoints)) return cropRegionFromKeypoints(person.keypoints, width, height);
  const { xMin, yMin, xMax, yMax } = person.box;
  const cx = (xMin + xMax) / 2;
  const cy = (yMin + yMax) / 2;
  const half = (Math.max(xMax - xMin, yMax - yMin) / 2) * 1.2;
  return { xMin: (cx - half) / width, yMin: (cy - half) / height, width: (2 * half) / width, height: (2 * half) / height };
}

