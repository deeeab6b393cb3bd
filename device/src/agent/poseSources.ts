/**
 * The agent's frame source, chosen once at start: the camera when one is present, a video file
 * when given one (played like a camera, looped for a demo), else the simulated athlete. Camera and
 * video frames go through the pose estimator; the simulation yields keypoints directly.
 */
import type { Logger } from 'pino';
import type { PoseEstimator } from '@pose-coach/inference';
import { videoFileFrames, probeVideo, type SourceFrame } from '../frames/index.ts';
import type { AgentConfig } from './config.ts';
import { cameraFrames, detectCamera, type CameraKind } from './cameraFrames.ts';
import { latestFrames } from './latestFrame.ts';
import type { PoseFrame, PoseSource } from './ports.ts';
import { createSimulatedAthlete } from './simulatedAthlete.ts';

export type EstimatorFactory = () => Promise<PoseEstimator>;

export interface EstimatedSourceOptions {
  kind: 'camera' | 'video';
  description: string;
  frames(signal: AbortSignal): AsyncIterable<SourceFrame>;
  paced: boolean;
  estimator: EstimatorFactory;
  model: string;
  onDrop?(): void;
}

/** Frames → newest-frame slot → estimator → PoseFrame. The estimator is made once and kept. */
export function estimatedPoseSource(o: EstimatedSourceOptions): PoseSource {
  let estimator: Promise<PoseEstimator> | undefined;
  return {
    kind: o.kind,
    simulated: false,
    description: o.description,
    model: o.model,
    async *poses(signal) {
      estimator ??= o.estimator();
      const est = await estimator;
      est.reset();
      for await (const { frame, arrivedAt } of latestFrames(o.frames(signal), { paced: o.paced, signal, onDrop: o.onDrop })) {
        const started = performance.now();
        const [pose] = await est.estimatePoses(frame);
        const out: PoseFrame = {
          frameAt: arrivedAt,
          t: frame.t,
          width: frame.originalWidth,
          height: frame.originalHeight,
          keypoints: pose?.keypoints ?? [],
          score: pose?.score ?? 0,
          inferenceMs: pose?.ms ?? performance.now() - started,
        };
        yield out;
      }
    },
  };
}

/** A video file played over and over, with time running on across loops. */
export async function* loopedVideo(file: string, loop: boolean, signal: AbortSignal): AsyncGenerator<SourceFrame> {
  const { fps } = probeVideo(file);
  let offset = 0;
  let index = 0;
  do {
    let last = 0;
    for await (const f of videoFileFrames(file, { signal })) {
      last = f.t;
      yield { ...f, index: index++, t: f.t + offset };
    }
    offset += last + 1 / fps;
  } while (loop && !signal.aborted);
}

export interface SourceChoice {
  source: PoseSource;
  /** Why the choice fell where it did (logged at start). */
  reason: string;
}

export function choosePoseSource(config: AgentConfig, estimator: EstimatorFactory, log: Logger): SourceChoice {
  const { kind, video, loopVideo, cameraDevice, fps } = config.source;
  const model = config.inference.model;
  const fromVideo = (file: string): PoseSource => {
    probeVideo(file); // fail now, with the file's name, rather than inside the pipeline
    return estimatedPoseSource({ kind: 'video', description: `video ${file}`, frames: (s) => loopedVideo(file, loopVideo, s), paced: true, estimator, model });
  };
  const fromCamera = (cam: { kind: CameraKind; description: string }): PoseSource =>
    estimatedPoseSource({ kind: 'camera', description: cam.description, frames: (signal) => cameraFrames({ kind: cam.kind, device: cameraDevice, fps, signal }), paced: false, estimator, model });
  const simulation = () => createSimulatedAthlete({ fps: Math.min(fps, 30) });

  if (kind === 'simulation') return { source: simulation(), reason: 'source.kind is simulation' };
  if (kind === 'video') {
    if (!video) throw new Error('source.kind is video but no video file was given (--video FILE or source.video)');
    return { source: fromVideo(video), reason: 'source.kind is video' };
  }
  const cam = detectCamera(cameraDevice);
  if (kind === 'camera') {
    if (!cam) throw new Error(`source.kind is camera but no camera was found (no Pi camera, no ${cameraDevice})`);
    return { source: fromCamera(cam), reason: 'source.kind is camera' };
  }
  if (video) return { source: fromVideo(video), reason: 'a video file was given' };
  if (cam) return { source: fromCamera(cam), reason: `found ${cam.description}` };
  log.info('no camera found and no video given: using the simulated athlete');
  return { source: simulation(), reason: `no camera (${cameraDevice} absent, no Pi camera) and no video` };
}
