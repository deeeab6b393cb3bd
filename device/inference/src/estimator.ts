import { getModelEntry } from '@pose-coach/models';
import { createRunner } from './backends/index.ts';
import { blendRegions, cropRegionFromKeypoints, fullFrameRegion, type CropRegion } from './movenet/crop-region.ts';
import { keypointsFromOutput, meanScore } from './movenet/postprocess.ts';
import { cropAndResize } from './movenet/preprocess.ts';
import type { OneEuroOptions } from './smoothing/one-euro.ts';
import { DEFAULT_SMOOTHING, KeypointSmoother } from './smoothing/keypoint-smoother.ts';
import type { BackendName, Frame, ModelName, Pose, PoseEstimator } from './types.ts';

export interface EstimatorOptions {
  /** Default 'movenet-lightning'. */
  model?: ModelName;
  /** Default 'tfjs-wasm'. */
  backend?: BackendName;
  /** Follow the person with MoveNet's crop region from frame to frame. Default true. */
  tracking?: boolean;
  /** One Euro smoothing of the keypoints; false switches it off. Default on (MediaPipe's settings). */
  smoothing?: boolean | OneEuroOptions;
  /** Below this mean keypoint score nobody is there: no pose, tracking restarts. Default 0.2. */
  minPoseScore?: number;
}

/**
 * A MoveNet SinglePose estimator. Each frame goes through named steps:
 * crop (region from the last frame) → resize to int32 input → model → map back to frame pixels
 * → next crop region → smooth.
 */
export async function createEstimator(options: EstimatorOptions = {}): Promise<PoseEstimator> {
  const model = options.model ?? 'movenet-lightning';
  const backend = options.backend ?? 'tfjs-wasm';
  const tracking = options.tracking ?? true;
  const minPoseScore = options.minPoseScore ?? 0.2;
  const smoothingOpts = options.smoothing === false ? undefined : options.smoothing === true || options.smoothing === undefined ? DEFAULT_SMOOTHING : options.smoothing;
  const entry = getModelEntry(model);
  const runner = await createRunner(model, entry.inputSize, backend);
  const input = new Int32Array(entry.inputSize * entry.inputSize * 3);
  const smoother = smoothingOpts ? new KeypointSmoother(smoothingOpts) : undefined;
  let region: CropRegion | undefined;
  let disposed = false;

  function reset(): void {
    region = undefined;
    smoother?.reset();
  }

  return {
    model,
    backend,
    reset,
    dispose() {
      disposed = true;
      runner.dispose();
    },
    async estimatePoses(frame: Frame): Promise<Pose[]> {
      if (disposed) throw new Error('estimatePoses called after dispose()');
      checkFrame(frame);
      const start = performance.now();
      const width = frame.originalWidth ?? frame.width;
      const height = frame.originalHeight ?? frame.height;
      const crop = (tracking && region) || fullFrameRegion(frame.width, frame.height);
      cropAndResize(frame, crop, entry.inputSize, input);
      const output = await runner.run(input);
      let keypoints = keypointsFromOutput(output, crop, width, height);
      const score = meanScore(keypoints);
      if (score < minPoseScore) {
        reset();
        return [];
      }
      if (tracking) region = blendRegions(region, cropRegionFromKeypoints(keypoints, width, height));
      if (smoother) keypoints = smoother.apply(keypoints, frame.t ?? performance.now() / 1000, crop.height * height);
      return [{ keypoints, score, ms: performance.now() - start }];
    },
  };
}

function checkFrame(frame: Frame): void {
  const expected = frame.width * frame.height * 3;
  if (!(frame.width > 0 && frame.height > 0) || frame.data.length < expected) {
    throw new Error(`bad frame: ${frame.width}×${frame.height} RGB needs ${expected} bytes, got ${frame.data.length}`);
  }
}
