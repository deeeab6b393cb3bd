/**
 * What the agent needs from the stages it wires (frame source + estimator, coach), as small
 * interfaces of its own, so each stage can be swapped (camera, video, simulated athlete) and the
 * agent tested without a camera or a model.
 */
import type { Keypoint } from '@pose-coach/inference';
import type { FrameSourceKind } from '@pose-coach/protocol';
import type { Coach, PoseFrame as CoachFrame } from '../coach/index.ts';

/**
 * One analysed frame: the coach's frame (stream time `t`, keypoints in the pixels of a
 * width × height frame, empty when nobody is there) with what the agent measures around it.
 */
export interface PoseFrame extends CoachFrame {
  /** Agent clock (ms since epoch) when the frame arrived: the start of the latency measurement. */
  frameAt: number;
  keypoints: Keypoint[];
  score: number;
  inferenceMs: number;
}

/** Frames already turned into poses. Iterating starts the source; breaking out stops it. */
export interface PoseSource {
  readonly kind: FrameSourceKind;
  /** Generated, not seen: the UI must say so. */
  readonly simulated: boolean;
  /** A short description for logs and diagnostics (device path, file name). */
  readonly description: string;
  readonly model?: string;
  poses(signal: AbortSignal, hooks?: PoseSourceHooks): AsyncIterable<PoseFrame>;
  /** Takes new camera settings, used from the next `poses()` (the agent restarts the source). Absent: the source has none (simulation, video). */
  configure?(settings: CameraSettings): void;
  /** Drops the estimator so the next `poses()` loads the models afresh (a fleet model release). Absent: the source runs no inference. */
  reloadModels?(): void;
}

export interface PoseSourceHooks {
  /** The camera failed and is being retried (message), or works again (undefined). */
  onSourceError?(message: string | undefined): void;
}

/**
 * The coach (device/src/coach), as the agent drives it: frames in, events in stream time `t`
 * out. The coach owns the session life cycle: it says when a workout starts (somebody ready in
 * view) and ends (gone, resting too long, or stopped), with the summary.
 */
export type { Coach, CoachEvent } from '../coach/index.ts';

export interface CoachSettings {
  exercise: string;
  /** Seconds nobody is in view before a session ends. */
  idleEndS: number;
  /** The exercises auto-recognition considers (default: all). */
  exercises?: readonly string[];
  /** Per-exercise threshold overrides (already validated by the config). */
  thresholds?: Record<string, unknown>;
  /** Language of cues and feedback points (default English). */
  cueLanguage?: string;
}

/** Camera settings a live source can restart with (fleet config). */
export interface CameraSettings {
  fps: number;
  width: number;
  height: number;
}

export type CoachFactory = (settings: CoachSettings) => Coach;
