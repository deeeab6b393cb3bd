/**
 * The coach's vocabulary: what goes in (frames of keypoints), what comes out (events and a
 * session summary). The coach is pure: no clock, no I/O; time comes from the frames.
 */
import { COACH_EXERCISE_NAMES } from '@pose-coach/protocol';

/** One joint in pixels of the frame, with the estimator's confidence 0..1. */
export interface PoseKeypoint {
  name: string;
  x: number;
  y: number;
  score: number;
}

/** The keypoints of one frame (17 COCO joints, or none when nobody is in view). */
export interface PoseFrame {
  /** Seconds since the stream started. */
  t: number;
  width: number;
  height: number;
  keypoints: readonly PoseKeypoint[];
}

/** One list for the coach, the agent's config and the fleet's config keys (protocol/src/fleetConfig.ts). */
export const EXERCISES = COACH_EXERCISE_NAMES;
export type ExerciseName = (typeof EXERCISES)[number];

/**
 * What a session counted: one of the coach's exercises, or `other`, a repetitive movement the
 * coach counted without recognising it (../shared/DESIGN.md; no form is judged for it).
 */
export type CountedExercise = ExerciseName | 'other';

export type View = 'front' | 'side' | 'three_quarter';

/** One rep as the coach judged it. Times are seconds from the session start. */
export interface RepDetail {
  start: number;
  end: number;
  score: number;
  cues: string[];
}

export type CoachEvent =
  | { type: 'session-start'; t: number; exercise: CountedExercise | null }
  | { type: 'session-end'; t: number; reason: SessionEndReason; summary: SessionSummary }
  | { type: 'exercise-recognised'; t: number; exercise: CountedExercise; auto: boolean }
  | { type: 'view'; t: number; view: View }
  | { type: 'rep'; t: number; exercise: CountedExercise; count: number; rep: RepDetail }
  | { type: 'partial'; t: number; exercise: ExerciseName; count: number; cue: string }
  | { type: 'cue'; t: number; text: string; positive: boolean }
  | { type: 'hold'; t: number; seconds: number }
  /** Someone is in the picture, but not the body parts the exercise counts from (visibility.ts). */
  | { type: 'visibility'; t: number; missing: string[]; text: string };

export type SessionEndReason = 'absent' | 'rest' | 'stop' | 'exercise-changed' | 'end-of-stream';

/**
 * A finished session, shaped like the protocol's session payload (protocol/src/session.ts)
 * minus what the device adds (sessionId, timestamp, model, …).
 */
export interface SessionSummary {
  /** The recognised or chosen exercise, `other` for a movement counted unrecognised; null when nothing was counted. */
  exercise: CountedExercise | null;
  reps: number;
  /** Mean score 0..1 of every attempt, partial ones included (0 when none; 0 for `other`: form not judged). */
  accuracy: number;
  /** Seconds from the session's start to its last frame. */
  duration: number;
  feedbackPoints: string[];
  repDetails: RepDetail[];
  partialReps: number;
  /** Plank only: seconds held in a good enough position. */
  holdSeconds?: number;
  /** Stream time (seconds) at which the session started. */
  startedAt: number;
  view: View | null;
}
