import { createEstimator, type EstimatorOptions, type Keypoint, type PoseEstimator } from '@pose-coach/inference';
import { videoFileFrames, type VideoFileOptions } from './video-file.ts';

/** The keypoints of one video frame. `keypoints` is empty when nobody was found. */
export interface FrameKeypoints {
  index: number;
  /** Seconds from the start of the video. */
  t: number;
  /** Size of the original video frame; keypoints are in its pixels. */
  width: number;
  height: number;
  keypoints: Keypoint[];
  /** Mean keypoint score (0 when nobody). */
  score: number;
  /** Milliseconds of inference for this frame. */
  ms: number;
}

export interface KeypointsFromVideoOptions extends EstimatorOptions, VideoFileOptions {
  /** Use this estimator instead of making one (it is then not disposed here). */
  estimator?: PoseEstimator;
}

/**
 * Every frame of a video file through the mirror's inference, in order, none dropped
 * (offline analysis wants them all; the live camera path drops instead).
 */
export async function* keypointsFromVideo(file: string, opts: KeypointsFromVideoOptions = {}): AsyncGenerator<FrameKeypoints> {
  const estimator = opts.estimator ?? (await createEstimator(opts));
  try {
    for await (const frame of videoFileFrames(file, opts)) {
      const [pose] = await estimator.estimatePoses(frame);
      yield {
        index: frame.index,
        t: frame.t,
        width: frame.originalWidth,
        height: frame.originalHeight,
        keypoints: pose?.keypoints ?? [],
        score: pose?.score ?? 0,
        ms: pose?.ms ?? 0,
      };
    }
  } finally {
    if (!opts.estimator) estimator.dispose();
  }
}
