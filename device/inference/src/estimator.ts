import { getModelEntry } from '@pose-coach/models';
import { backendStatus, createRunner, fastestBackend, type ModelRunner, type OnnxOptions } from './backends/index.ts';
import { blendRegions, cropRegionFromKeypoints, fullFrameRegion, type CropRegion } from './movenet/crop-region.ts';
import { cropRegionForPerson, peopleFromMultiposeOutput, personInFront } from './movenet/person-in-front.ts';
import { checkedOutput, MULTIPOSE_SHAPE, SINGLEPOSE_SHAPE } from './movenet/outputShape.ts';
import { keypointsFromOutput, meanScore } from './movenet/postprocess.ts';
import { cropAndResize } from './movenet/preprocess.ts';
import type { OneEuroOptions } from './smoothing/one-euro.ts';
import { DEFAULT_SMOOTHING, KeypointSmoother } from './smoothing/keypoint-smoother.ts';
import type { BackendName, Frame, ModelName, Pose, PoseEstimator } from './types.ts';

export interface EstimatorOptions {
  /** Default 'movenet-lightning'. */
  model?: ModelName;
  /** Default 'auto': the fastest backend that can run the model here (onnx, then tfjs-node, then tfjs-wasm). */
  backend?: BackendName | 'auto';
  /** ONNX Runtime session settings (threads), when the backend is onnx. */
  onnx?: OnnxOptions;
  /** Follow the person with MoveNet's crop region from frame to frame. Default true. */
  tracking?: boolean;
  /**
   * When tracking starts (or the person was lost), find everyone with MoveNet MultiPose and
   * follow the one in front. Needs the movenet-multipose model and tracking. Default true;
   * false lets SinglePose pick whoever it finds most salient.
   */
  personInFront?: boolean;
  /** Seconds (of frame time) between two searches for a person while nobody is tracked. Default 0.25. */
  searchInterval?: number;
  /** One Euro smoothing of the keypoints; false switches it off. Default on (MediaPipe's settings). */
  smoothing?: boolean | OneEuroOptions;
  /** Below this mean keypoint score nobody is there: no pose, tracking restarts. Default 0.2. */
  minPoseScore?: number;
}

const MULTIPOSE = 'movenet-multipose';

/**
 * A MoveNet SinglePose estimator. Each frame goes through named steps:
 * pick the crop (tracked region, or the person in front, or the whole frame) → crop and resize
 * to the int32 input → model → map back to frame pixels → next crop region → smooth.
 */
export async function createEstimator(options: EstimatorOptions = {}): Promise<PoseEstimator> {
  const model = options.model ?? 'movenet-lightning';
  const backend = options.backend === undefined || options.backend === 'auto' ? await fastestBackend([model]) : options.backend;
  const tracking = options.tracking ?? true;
  const findFront = tracking && (options.personInFront ?? true);
  const searchInterval = options.searchInterval ?? 0.25;
  const minPoseScore = options.minPoseScore ?? 0.2;
  const smoothingOpts = options.smoothing === false ? undefined : options.smoothing === true || options.smoothing === undefined ? DEFAULT_SMOOTHING : options.smoothing;

  const entry = getModelEntry(model);
  const runner = await createRunner(model, entry.inputSize, backend, options.onnx);
  let finder: ModelRunner | undefined;
  try {
    // MultiPose runs on the same backend; an ONNX estimator without the ONNX MultiPose uses WASM for it.
    const finderBackend = backend === 'onnx' && !(await backendStatus('onnx', [MULTIPOSE])).available ? 'tfjs-wasm' : backend;
    finder = findFront ? await createRunner(MULTIPOSE, getModelEntry(MULTIPOSE).inputSize, finderBackend, options.onnx) : undefined;
  } catch (err) {
    runner.dispose();
    throw err;
  }
  const input = new Int32Array(entry.inputSize * entry.inputSize * 3);
  const finderInput = finder ? new Int32Array(finder.inputSize * finder.inputSize * 3) : undefined;
  const smoother = smoothingOpts ? new KeypointSmoother(smoothingOpts) : undefined;
  let region: CropRegion | undefined;
  let lastSearch = -Infinity;
  let disposed = false;

  function reset(): void {
    region = undefined;
    lastSearch = -Infinity;
    smoother?.reset();
  }

  /** Step: the region of the person in front, or undefined when nobody is there. */
  async function searchPersonInFront(frame: Frame, width: number, height: number): Promise<CropRegion | undefined> {
    const whole = fullFrameRegion(frame.width, frame.height);
    cropAndResize(frame, whole, finder!.inputSize, finderInput);
    const people = peopleFromMultiposeOutput(checkedOutput(MULTIPOSE, await finder!.run(finderInput!), MULTIPOSE_SHAPE), whole, width, height);
    const front = personInFront(people);
    return front && cropRegionForPerson(front, width, height);
  }

  return {
    model,
    backend,
    reset,
    dispose() {
      disposed = true;
      runner.dispose();
      finder?.dispose();
    },
    async estimatePoses(frame: Frame): Promise<Pose[]> {
      if (disposed) throw new Error('estimatePoses called after dispose()');
      checkFrame(frame);
      const start = performance.now();
      const t = frame.t ?? start / 1000;
      const width = frame.originalWidth ?? frame.width;
      const height = frame.originalHeight ?? frame.height;

      let crop = tracking ? region : fullFrameRegion(frame.width, frame.height);
      if (!crop && finder) {
        // Nobody tracked: look for the person in front, but not on every frame of an empty room.
        if (t - lastSearch < searchInterval && t >= lastSearch) return [];
        lastSearch = t;
        crop = await searchPersonInFront(frame, width, height);
        if (!crop) return [];
      }
      crop ??= fullFrameRegion(frame.width, frame.height);

      cropAndResize(frame, crop, entry.inputSize, input);
      let keypoints = keypointsFromOutput(checkedOutput(model, await runner.run(input), SINGLEPOSE_SHAPE), crop, width, height);
      const score = meanScore(keypoints);
      if (score < minPoseScore) {
        reset();
        lastSearch = t;
        return [];
      }
      if (tracking) region = blendRegions(region, cropRegionFromKeypoints(keypoints, width, height));
      if (smoother) keypoints = smoother.apply(keypoints, t, crop.height * height);
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
