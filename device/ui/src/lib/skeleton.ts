/**
 * Drawing the body over its reflection: which joints join, how a frame's 0..1 coordinates land on
 * the screen (mirrored, proportions kept), and how to blend two camera frames so the overlay moves
 * smoothly at the display's rate while poses arrive at the camera's.
 */
import type { LiveKeypoint } from '@pose-coach/protocol';

/** Bones between the 17 COCO joints @pose-coach/inference reports. */
export const BONES: readonly (readonly [string, string])[] = [
  ['left_shoulder', 'right_shoulder'],
  ['left_shoulder', 'left_elbow'],
  ['left_elbow', 'left_wrist'],
  ['right_shoulder', 'right_elbow'],
  ['right_elbow', 'right_wrist'],
  ['left_shoulder', 'left_hip'],
  ['right_shoulder', 'right_hip'],
  ['left_hip', 'right_hip'],
  ['left_hip', 'left_knee'],
  ['left_knee', 'left_ankle'],
  ['right_hip', 'right_knee'],
  ['right_knee', 'right_ankle'],
  ['nose', 'left_eye'],
  ['nose', 'right_eye'],
  ['left_eye', 'left_ear'],
  ['right_eye', 'right_ear'],
];

/** Below this a joint is not drawn (MoveNet guesses hidden joints at low scores). */
export const MIN_DRAW_SCORE = 0.3;

export interface Viewport {
  width: number;
  height: number;
}

/**
 * Frame (0..1 from the camera's top-left) → screen pixels. The camera faces the person, the mirror
 * shows them flipped, so x is mirrored. With the frame's size known the whole frame fits the
 * screen with its proportions kept (centred), so a body in view is never cut off; without it x
 * and y stretch to fit.
 */
export function frameToScreen(frame: { width?: number | undefined; height?: number | undefined }, view: Viewport): (x: number, y: number) => [number, number] {
  if (!frame.width || !frame.height) return (x, y) => [(1 - x) * view.width, y * view.height];
  const scale = Math.min(view.width / frame.width, view.height / frame.height);
  const w = frame.width * scale;
  const h = frame.height * scale;
  const ox = (view.width - w) / 2;
  const oy = (view.height - h) / 2;
  return (x, y) => [view.width - (ox + x * w), oy + y * h];
}

/** Joints of `b`, moved `alpha` of the way from where they were in `a` (joints missing in `a` jump). */
export function blendKeypoints(a: readonly LiveKeypoint[] | undefined, b: readonly LiveKeypoint[], alpha: number): LiveKeypoint[] {
  if (!a || alpha >= 1) return b.slice();
  const t = Math.max(0, alpha);
  const prev = new Map(a.map((k) => [k.name, k]));
  return b.map((k) => {
    const p = prev.get(k.name);
    if (!p || p.score < MIN_DRAW_SCORE) return k;
    return { name: k.name, score: k.score, x: p.x + (k.x - p.x) * t, y: p.y + (k.y - p.y) * t };
  });
}

export interface SkeletonStyle {
  bone: string;
  joint: string;
  lineWidth: number;
  jointRadius: number;
}

export function drawSkeleton(ctx: CanvasRenderingContext2D, keypoints: readonly LiveKeypoint[], map: (x: number, y: number) => [number, number], style: SkeletonStyle): number {
  const seen = new Map<string, [number, number]>();
  for (const k of keypoints) if (k.score >= MIN_DRAW_SCORE) seen.set(k.name, map(k.x, k.y));
  ctx.lineCap = 'round';
  ctx.lineWidth = style.lineWidth;
  ctx.strokeStyle = style.bone;
  ctx.beginPath();
  let bones = 0;
  for (const [from, to] of BONES) {
    const p = seen.get(from);
    const q = seen.get(to);
    if (!p || !q) continue;
    ctx.moveTo(p[0], p[1]);
    ctx.lineTo(q[0], q[1]);
    bones++;
  }
  ctx.stroke();
  ctx.fillStyle = style.joint;
  for (const [x, y] of seen.values()) {
    ctx.beginPath();
    ctx.arc(x, y, style.jointRadius, 0, Math.PI * 2);
    ctx.fill();
  }
  return bones;
}
