export { createEstimator, type EstimatorOptions } from './estimator.ts';
export { KEYPOINT_NAMES, type BackendName, type Frame, type Keypoint, type KeypointName, type ModelName, type Pose, type PoseEstimator } from './types.ts';
export { availableBackends, BackendUnavailableError, type BackendStatus } from './backends/index.ts';
export { OneEuroFilter, type OneEuroOptions } from './smoothing/one-euro.ts';
export { DEFAULT_SMOOTHING } from './smoothing/keypoint-smoother.ts';
export type { CropRegion } from './movenet/crop-region.ts';
