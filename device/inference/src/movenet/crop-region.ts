import type { Keypoint } from '../types.ts';

/**
 * A square (in pixels) region of the frame the model looks at, in coordinates normalised to the
 * frame (0..1; it may reach outside the frame, which is then padded with black).
 * This is MoveNet's documented cropping algorithm (tfjs-models pose-detection/src/movenet/
 * detector.ts, "determineCropRegion"): follow the person so a far one fills the input.
 */
export interface CropRegion {
  xMin: number;
  yMin: number;
  width: number;
  height: number;
}

/** Joints below this score do not steer the crop (tfjs-models MIN_CROP_KEYPOINT_SCORE). */
export const MIN_CROP_KEYPOINT_SCORE = 0.2;

/** The whole frame, padded to a square around its centre. */
export function fullFrameRegion(width: number, height: number): CropRegion {
  if (width > height) {
    const h = width / height;
    return { xMin: 0, yMin: (height / 2 - width / 2) / height, width: 1, height: h };
  }
  const w = height / width;
  return { xMin: (width / 2 - height / 2) / width, yMin: 0, width: w, height: 1 };
}

const TORSO = ['left_shoulder', 'right_shoulder', 'left_hip', 'right_hip'] as const;

function byName(keypoints: Keypoint[]): Map<string, Keypoint> {
  return new Map(keypoints.map((k) => [k.name, k]));
}

/** A shoulder and a hip are confidently seen: the only case where the crop can be trusted. */
export function torsoVisible(keypoints: Keypoint[]): boolean {
  const k = byName(keypoints);
  const ok = (n: string) => (k.get(n)?.score ?? 0) > MIN_CROP_KEYPOINT_SCORE;
  return (ok('left_hip') || ok('right_hip')) && (ok('left_shoulder') || ok('right_shoulder'));
}

/**
 * The crop for the next frame from this frame's keypoints (in frame pixels): a square centred
 * on the hips, big enough for 1.9× the torso and 1.2× every confident joint, and never larger
 * than the frame.
 */
export function cropRegionFromKeypoints(keypoints: Keypoint[], width: number, height: number): CropRegion {
  if (!torsoVisible(keypoints)) return regionAroundJoints(keypoints, width, height);
  const k = byName(keypoints);
  const lh = k.get('left_hip')!;
  const rh = k.get('right_hip')!;
  const cx = (lh.x + rh.x) / 2;
  const cy = (lh.y + rh.y) / 2;
  let torsoX = 0;
  let torsoY = 0;
  for (const n of TORSO) {
    const p = k.get(n)!;
    torsoX = Math.max(torsoX, Math.abs(cx - p.x));
    torsoY = Math.max(torsoY, Math.abs(cy - p.y));
  }
  let bodyX = 0;
  let bodyY = 0;
  for (const p of keypoints) {
    if (p.score < MIN_CROP_KEYPOINT_SCORE) continue;
    bodyX = Math.max(bodyX, Math.abs(cx - p.x));
    bodyY = Math.max(bodyY, Math.abs(cy - p.y));
  }
  let half = Math.max(torsoX * 1.9, torsoY * 1.9, bodyX * 1.2, bodyY * 1.2);
  half = Math.min(half, Math.max(cx, width - cx, cy, height - cy));
  // tfjs-models falls back to the whole frame here; with several people in view that lets
  // SinglePose jump to someone else, so the crop stays centred on this person at frame size.
  half = Math.min(half, Math.max(width, height) / 2);
  return { xMin: (cx - half) / width, yMin: (cy - half) / height, width: (2 * half) / width, height: (2 * half) / height };
}

/**
 * Without a torso (a person sitting close, hips below the frame) MoveNet's algorithm falls back
 * to the whole frame, where SinglePose may jump to someone else. Keep to the joints that are
 * seen instead, with a wide margin; the whole frame only when almost nothing is seen.
 */
function regionAroundJoints(keypoints: Keypoint[], width: number, height: number): CropRegion {
  const seen = keypoints.filter((k) => k.score > MIN_CROP_KEYPOINT_SCORE);
  if (seen.length < 4) return fullFrameRegion(width, height);
  const xs = seen.map((k) => k.x);
  const ys = seen.map((k) => k.y);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  let half = (Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / 2) * 1.5;
  half = Math.min(half, Math.max(width, height) / 2);
  return { xMin: (cx - half) / width, yMin: (cy - half) / height, width: (2 * half) / width, height: (2 * half) / height };
}

/**
 * Exponential smoothing of the crop so it does not jump with every jittery joint
 * (tfjs-models CROP_FILTER_ALPHA = 0.9: mostly the new region).
 */
export function blendRegions(prev: CropRegion | undefined, next: CropRegion, alpha = 0.9): CropRegion {
  if (!prev) return next;
  const mix = (a: number, b: number) => alpha * b + (1 - alpha) * a;
  return {
    xMin: mix(prev.xMin, next.xMin),
    yMin: mix(prev.yMin, next.yMin),
    width: mix(prev.width, next.width),
    height: mix(prev.height, next.height),
  };
}
