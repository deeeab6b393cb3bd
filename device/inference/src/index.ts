export { createEstimator, type EstimatorOptions } from './estimator.ts';
export { KEYPOINT_NAMES, type BackendName, type Frame, type Keypoint, type KeypointName, type ModelName, type Pose, type PoseEstimator } from './types.ts';
export { availableBackends, backendStatus, BACKENDS_FASTEST_FIRST, BackendUnavailableError, fastestBackend, onnxSessionOptions, type BackendStatus, type OnnxOptions } from './backends/index.ts';
export { OneEuroFilter, type OneEuroOptions } from './smoothing/one-euro.ts';
export { DEFAULT_SMOOTHING } from './smoothing/keypoint-smoother.ts';
export type { CropRegion } from './movenet/crop-region.ts';
export { checkedOutput, ModelOutputError, MULTIPOSE_SHAPE, SINGLEPOSE_SHAPE } from './movenet/outputShape.ts';
