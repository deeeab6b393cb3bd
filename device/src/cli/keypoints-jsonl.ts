import type { FrameKeypoints } from '../frames/index.ts';

/**
 * One line of `pose-coach analyze <video> --keypoints out.jsonl`, one line per video frame in
 * order, none skipped:
 *
 *   {"t":0.0333,"w":1280,"h":720,"keypoints":[{"name":"nose","x":601.2,"y":184.7,"score":0.626}, ...]}
 *
 * - t: seconds from the start of the video (frame index / average frame rate), 4 decimals.
 * - w, h: the video's frame size in pixels (after rotation metadata); x, y are in those pixels,
 *   origin top-left, 1 decimal.
 * - keypoints: the 17 COCO joints in this order: nose, left_eye, right_eye, left_ear,
 *   right_ear, left_shoulder, right_shoulder, left_elbow, right_elbow, left_wrist,
 *   right_wrist, left_hip, right_hip, left_knee, right_knee, left_ankle, right_ankle;
 *   score 0..1 (MoveNet confidence, 3 decimals). An EMPTY array when nobody was found
 *   in the frame. "left" is the person's left.
 * Keypoints are smoothed (One Euro) unless --no-smoothing is given.
 */
export interface KeypointsLine {
  t: number;
  w: number;
  h: number;
  keypoints: { name: string; x: number; y: number; score: number }[];
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function keypointsLine(f: FrameKeypoints): string {
  const line: KeypointsLine = {
    t: round(f.t, 4),
    w: f.width,
    h: f.height,
    keypoints: f.keypoints.map((k) => ({ name: k.name, x: round(k.x, 1), y: round(k.y, 1), score: round(k.score, 3) })),
  };
  return JSON.stringify(line);
}

/** Parses one line back (for consumers and tests). */
export function parseKeypointsLine(text: string): KeypointsLine {
  return JSON.parse(text) as KeypointsLine;
}
