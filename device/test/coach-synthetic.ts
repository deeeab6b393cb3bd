/**
 * Synthetic people for coach tests: a front-facing figure whose knee bend, arm raise and stance
 * are set per frame, so a test can script a workout (stand, squat, step out, jump) exactly.
 */
import type { PoseFrame, PoseKeypoint } from '../src/coach/index.ts';

export interface Figure {
  /** Knee angle, degrees (180 straight). */
  knee?: number;
  /** 0 arms hanging, 1 arms straight overhead (through the side, like a jumping jack). */
  arms?: number;
  /** Ankle spread in pixels (default 120). */
  feet?: number;
  /** Scale factor (a person nearer or further from the camera). */
  scale?: number;
  /** Horizontal offset in pixels. */
  dx?: number;
}

const rad = (d: number) => (d * Math.PI) / 180;

export function figure(t: number, fig: Figure = {}): PoseFrame {
  const s = fig.scale ?? 1;
  const cx = 640 + (fig.dx ?? 0);
  const knee = fig.knee ?? 178;
  const feet = (fig.feet ?? 120) / 2;
  const thigh = 190 * s;
  const shin = 190 * s;
  const bend = (180 - knee) / 2; // each leg segment leans this far off vertical
  const ankleY = 900;
  const pts: Record<string, [number, number]> = {};
  for (const [side, sign] of [['left', 1], ['right', -1]] as const) {
    const ax = cx + sign * feet * s;
    const kx = ax + sign * shin * Math.sin(rad(bend));
    const ky = ankleY - shin * Math.cos(rad(bend));
    const hx = kx - sign * thigh * Math.sin(rad(bend));
    const hy = ky - thigh * Math.cos(rad(bend));
    pts[`${side}_ankle`] = [ax, ankleY];
    pts[`${side}_knee`] = [kx, ky];
    pts[`${side}_hip`] = [cx + sign * 45 * s, hy];
  }
  const hipY = pts.left_hip![1];
  const shoulderY = hipY - 210 * s;
  const raise = rad(180 * (fig.arms ?? 0)); // arm angle from hanging down
  for (const [side, sign] of [['left', 1], ['right', -1]] as const) {
    const sx = cx + sign * 75 * s;
    pts[`${side}_shoulder`] = [sx, shoulderY];
    const dirx = sign * Math.sin(raise) + sign * 0.05;
    const diry = Math.cos(raise);
    pts[`${side}_elbow`] = [sx + dirx * 120 * s, shoulderY + diry * 120 * s];
    pts[`${side}_wrist`] = [sx + dirx * 230 * s, shoulderY + diry * 230 * s];
    pts[`${side}_eye`] = [cx + sign * 15 * s, shoulderY - 95 * s];
    pts[`${side}_ear`] = [cx + sign * 35 * s, shoulderY - 90 * s];
  }
  pts.nose = [cx, shoulderY - 80 * s];
  const names = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'];
  const keypoints: PoseKeypoint[] = names.map((name) => ({ name, x: pts[name]![0], y: pts[name]![1], score: 0.9 }));
  return { t, width: 1280, height: 1000, keypoints };
}

/** Nobody in the picture. */
export const empty = (t: number): PoseFrame => ({ t, width: 1280, height: 1000, keypoints: [] });

/** Frames at `fps` from `t0` for `seconds`, the figure given by `at(u)` with u in 0..1 across the span. */
export function span(t0: number, seconds: number, at: (u: number) => Figure | null, fps = 15): PoseFrame[] {
  const n = Math.max(1, Math.round(seconds * fps));
  const out: PoseFrame[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + i / fps;
    const fig = at(i / n);
    out.push(fig ? figure(t, fig) : empty(t));
  }
  return out;
}

/** A smooth down-and-up between `high` and `low` over the span (one rep of a signal). */
export const dip = (u: number, high: number, low: number) => high - (high - low) * Math.sin(Math.PI * u);

/** `reps` squats of `seconds` each to `depth` degrees, starting at t0 after `lead` seconds standing. */
export function squats(t0: number, reps: number, depth: number, seconds = 2, lead = 1, fps = 15): PoseFrame[] {
  const frames = span(t0, lead, () => ({ knee: 178 }), fps);
  for (let r = 0; r < reps; r++) frames.push(...span(t0 + lead + r * seconds, seconds, (u) => ({ knee: dip(u, 178, depth) }), fps));
  return frames;
}

/**
 * A person side on in an elbow plank (lying along x); `sag` drops the hips in pixels, `elbow`
 * sets the elbow angle (about 90 on the forearms, 180 pushed up on straight arms).
 */
export function plankFigure(t: number, opts: { sag?: number; elbow?: number } = {}): PoseFrame {
  const y = 600;
  const elbow = rad(opts.elbow ?? 90);
  const pts: Record<string, [number, number]> = {
    shoulder: [300, y],
    hip: [600, y + (opts.sag ?? 0)],
    knee: [780, y + 15 + (opts.sag ?? 0) * 0.4],
    ankle: [950, y + 30],
  };
  // Upper arm straight down from the shoulder; forearm turned by the elbow angle.
  pts.elbow = [300, y + 140];
  pts.wrist = [300 + 130 * Math.sin(elbow), y + 140 - 130 * Math.cos(elbow)];
  const names = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'];
  const keypoints: PoseKeypoint[] = names.map((name) => {
    const part = name.replace(/^(left|right)_/, '');
    const far = name.startsWith('right_');
    const [x, yy] = pts[part] ?? [230, y - 20]; // head ahead of the shoulders
    return { name, x: x + (far ? 4 : 0), y: yy + (far ? -3 : 0), score: far ? 0.5 : 0.9 };
  });
  return { t, width: 1280, height: 1000, keypoints };
}
