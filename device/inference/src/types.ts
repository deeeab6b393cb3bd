/** The 17 COCO keypoints, in MoveNet's output order. */
export const KEYPOINT_NAMES = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** A joint in the pixels of the original frame, with the model's confidence 0..1. */
export interface Keypoint {
  name: KeypointName;
  x: number;
  y: number;
  score: number;
}

/**
 * An RGB frame: `data` is width × height × 3 bytes, row by row.
 * A source may hand a downscaled copy (decoding small is the cheap part of the pipeline):
 * `originalWidth`/`originalHeight` then give the camera's size, and keypoints come back in
 * those original pixels.
 */
export interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
  /** Seconds since the start of the stream. */
  t?: number;
  originalWidth?: number;
  originalHeight?: number;
}

/** The pose of the one person the mirror follows in a frame. */
export interface Pose {
  keypoints: Keypoint[];
  /** Mean keypoint score. */
  score: number;
  /** Milliseconds the estimator spent on this frame (preprocess + model + postprocess). */
  ms: number;
}

export type ModelName = 'movenet-lightning' | 'movenet-thunder';
export type BackendName = 'tfjs-wasm' | 'tfjs-node' | 'onnx';

/** One estimator interface, whatever the model and backend behind it. */
export interface PoseEstimator {
  readonly model: ModelName;
  readonly backend: BackendName;
  /** The pose in the frame, or an empty array when nobody is there. */
  estimatePoses(frame: Frame): Promise<Pose[]>;
  /** Forget tracking and smoothing state (a new video, a new person, a camera restart). */
  reset(): void;
  /** Release the model; the estimator cannot be used afterwards. */
  dispose(): void;
}
