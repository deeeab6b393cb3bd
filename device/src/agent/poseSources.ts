/**
 * The agent's frame source, chosen once at start: a video file when given one (played once with
 * every frame analysed, or looped like a camera), else the Pi camera or a webcam when one is present, else the simulated
 * athlete. Camera and video go through the frames module's live loop (newest-frame mailbox,
 * camera restarts with back-off) and the pose estimator; the simulation yields keypoints directly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { PoseEstimator } from '@pose-coach/inference';
import { csiCamera, findCsiTool, liveKeypoints, probeVideo, videoAsCamera, videoPlayedOnce, webcam, type LiveSource, type SourceFrame } from '../frames/index.ts';
import type { AgentConfig } from './config.ts';
import type { CameraSettings, PoseFrame, PoseSource } from './ports.ts';
import { createSimulatedAthlete } from './simulatedAthlete.ts';

export type EstimatorFactory = () => Promise<PoseEstimator>;

/**
 * Stamps each frame with when it arrived (the start of the latency figure). The agent reads the
 * pipe only between inferences, so for a video played as a camera the arrival is taken from the
 * video's own timeline (start + t), which also counts the time a frame sat in the pipe while an
 * inference ran; for a live camera it is when the agent read the frame.
 */
function stamped(source: LiveSource, arrivals: Map<number, number>, paced: boolean): LiveSource {
  return {
    description: source.description,
    ...(source.everyFrame ? { everyFrame: true } : {}),
    async *frames(signal) {
      arrivals.clear();
      let epoch = Infinity;
      for await (const frame of source.frames(signal) as AsyncIterable<SourceFrame>) {
        const now = Date.now();
        // The earliest start consistent with every frame so far: frames are never early.
        if (paced) epoch = Math.min(epoch, now - frame.t * 1000);
        arrivals.set(frame.index, paced ? Math.round(epoch + frame.t * 1000) : now);
        // Only the newest frame waits for inference; older stamps can go.
        arrivals.delete(frame.index - 120);
        yield frame;
      }
    },
  };
}

/**
 * A live source behind the estimator, as the agent's PoseSource. The estimator is made once and
 * kept. With `remake`, the source takes camera settings (fleet config): the next `poses()` opens
 * the camera made with them.
 */
export function estimatedPoseSource(
  kind: 'camera' | 'video',
  first: LiveSource,
  estimator: EstimatorFactory,
  model: string,
  opts: { endWithSource?: boolean; remake?: (settings: CameraSettings) => LiveSource; log?: Logger } = {},
): PoseSource {
  let est: Promise<PoseEstimator> | undefined;
  let live = first;
  const remake = opts.remake;
  return {
    kind,
    simulated: false,
    get description() {
      return live.description;
    },
    model,
    ...(remake ? { configure: (settings: CameraSettings) => void (live = remake(settings)) } : {}),
    reloadModels() {
      const old = est;
      est = undefined;
      // Disposed once the pipeline, restarted by the agent, has let go of it.
      const failed = (err: Error) =>
        opts.log ? opts.log.warn({ err: err.message }, 'the replaced estimator failed to load or dispose') : console.warn(`the replaced estimator failed to load or dispose: ${err.message}`);
      setTimeout(() => void old?.then((e) => e.dispose()).catch(failed), 5000).unref();
    },
    async *poses(signal, hooks) {
      est ??= estimator();
      const arrivals = new Map<number, number>();
      // A video played once ends the stream; a camera (or a looping video) that stops is retried.
      for await (const e of liveKeypoints(stamped(live, arrivals, kind === 'video'), await est, { signal, endWithSource: opts.endWithSource })) {
        if (e.type === 'camera-error') hooks?.onSourceError?.(`${e.error.message} (retry ${e.attempt} in ${e.retryInMs} ms)`);
        if (e.type === 'camera-ready') hooks?.onSourceError?.(undefined);
        if (e.type !== 'pose') continue;
        const out: PoseFrame = {
          frameAt: arrivals.get(e.frame.index) ?? Date.now(),
          t: e.frame.t,
          width: e.frame.originalWidth,
          height: e.frame.originalHeight,
          keypoints: e.pose?.keypoints ?? [],
          score: e.pose?.score ?? 0,
          inferenceMs: e.pose?.ms ?? 0,
        };
        yield out;
      }
    },
  };
}

/** A Pi camera (rpicam lists one) or a V4L2 device, else undefined. */
export function detectCamera(device: string, { fps, width, height }: CameraSettings): LiveSource | undefined {
  const tool = findCsiTool();
  if (tool) {
    const hello = tool.replace('-vid', '-hello');
    const out = spawnSync(hello, ['--list-cameras'], { encoding: 'utf8', timeout: 5000 });
    if (/^\s*0\s*:/m.test(`${out.stdout ?? ''}${out.stderr ?? ''}`)) return csiCamera({ framerate: fps, width, height, command: tool });
  }
  try {
    if (existsSync(device) && statSync(device).isCharacterDevice()) return webcam({ device, framerate: fps, width, height });
  } catch {
    /* not a device */
  }
  return undefined;
}

export interface SourceChoice {
  source: PoseSource;
  /** Why the choice fell where it did (logged at start). */
  reason: string;
}

export function choosePoseSource(config: AgentConfig, estimator: EstimatorFactory, log: Logger): SourceChoice {
  const { kind, video, loopVideo, cameraDevice, fps, width, height } = config.source;
  const model = config.inference.model;
  const fromVideo = (file: string): PoseSource => {
    probeVideo(file); // fail now, naming the file, rather than inside the pipeline
    // Looped, the clip is a camera (newest frame only); once, every frame counts and the session ends with it.
    return estimatedPoseSource('video', loopVideo ? videoAsCamera(file, { loop: true }) : videoPlayedOnce(file), estimator, model, { endWithSource: !loopVideo, log });
  };
  const simulation = () => createSimulatedAthlete({ fps: Math.min(fps, 30) });

  if (kind === 'simulation') return { source: simulation(), reason: 'source.kind is simulation' };
  if (kind === 'video' || (kind === 'auto' && video)) {
    if (!video) throw new Error('source.kind is video but no video file was given (--video FILE or source.video)');
    return { source: fromVideo(video), reason: kind === 'video' ? 'source.kind is video' : 'a video file was given' };
  }
  const cam = detectCamera(cameraDevice, { fps, width, height });
  // New camera settings re-detect the camera with them; gone meanwhile: the old one is kept (and retried by the pipeline).
  const remake = (s: CameraSettings) => detectCamera(cameraDevice, s) ?? (log.warn({ settings: s }, 'camera not found again: keeping its old settings'), cam!);
  if (cam) return { source: estimatedPoseSource('camera', cam, estimator, model, { remake, log }), reason: `found ${cam.description}` };
  if (kind === 'camera') throw new Error(`source.kind is camera but no camera was found (no Pi camera listed by rpicam-hello, no ${cameraDevice})`);
  log.info('no camera found and no video given: using the simulated athlete');
  return { source: simulation(), reason: `no camera (no Pi camera, no ${cameraDevice}) and no video` };
}
