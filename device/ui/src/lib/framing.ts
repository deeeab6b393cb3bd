/**
 * Framing check before a workout: is the whole body in view, and where should the person move?
 * Advice is in the person's own terms: they see themselves mirrored, so someone shown on the right
 * half of the mirror is told to move left.
 */
import type { LiveKeypoint } from '@pose-coach/protocol';

export type FramingStatus = 'nobody' | 'adjust' | 'ok';
export interface FramingAdvice {
  status: FramingStatus;
  /** The one instruction to show, large. */
  message: string;
  /** Which body parts are in view, for the checklist. */
  parts: { head: boolean; shoulders: boolean; hips: boolean; knees: boolean; feet: boolean };
}

const MIN_SCORE = 0.3;
/** A body taller than this share of the frame is too close to leave room to move. */
const MAX_HEIGHT = 0.95;
/** Shorter than this: too far for the coach to see joints well. */
const MIN_HEIGHT = 0.35;
/** The body's centre should stay within this distance of the middle. */
const MAX_OFFSET = 0.17;
const EDGE = 0.02;

export function framingAdvice(keypoints: readonly LiveKeypoint[]): FramingAdvice {
  const seen = new Map(keypoints.filter((k) => k.score >= MIN_SCORE).map((k) => [k.name, k]));
  const any = (...names: string[]) => names.some((n) => seen.has(n));
  const parts = {
    head: any('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear'),
    shoulders: any('left_shoulder', 'right_shoulder'),
    hips: any('left_hip', 'right_hip'),
    knees: any('left_knee', 'right_knee'),
    feet: any('left_ankle', 'right_ankle'),
  };
  if (seen.size < 4 || (!parts.shoulders && !parts.hips)) return { status: 'nobody', message: 'Step in front of the mirror', parts };

  const pts = [...seen.values()];
  const xs = pts.map((k) => k.x);
  const ys = pts.map((k) => k.y);
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  // Mirrored: the screen shows camera x as 1 - x.
  const centre = 1 - (Math.min(...xs) + Math.max(...xs)) / 2;

  if (!parts.head || !parts.feet || top < EDGE || bottom > 1 - EDGE || bottom - top > MAX_HEIGHT) {
    return { status: 'adjust', message: parts.feet ? 'Step back: your head is out of view' : 'Step back: your feet are out of view', parts };
  }
  if (centre > 0.5 + MAX_OFFSET) return { status: 'adjust', message: 'Move left', parts };
  if (centre < 0.5 - MAX_OFFSET) return { status: 'adjust', message: 'Move right', parts };
  if (bottom - top < MIN_HEIGHT) return { status: 'adjust', message: 'Step closer', parts };
  return { status: 'ok', message: 'You are in frame: start when you are ready', parts };
}
