/**
 * Variants of real keypoint clips for movements no labelled clip shows: a knee push-up (the real
 * push-up's shins raised off the floor) and alternating curls (the real two-arm curls, one arm
 * at a time). The body's own motion stays the real one; only the named joints are rewritten.
 */
import type { PoseFrame, PoseKeypoint } from '../src/coach/index.ts';

const get = (f: PoseFrame, name: string) => f.keypoints.find((k) => k.name === name);

function replace(f: PoseFrame, joints: Record<string, { x: number; y: number } | undefined>): PoseFrame {
  return { ...f, keypoints: f.keypoints.map((k): PoseKeypoint => (joints[k.name] ? { ...k, ...joints[k.name]! } : k)) };
}

/** The shins raised `degrees` off the floor behind the knees (kneeling), each frame. */
export function kneeling(frames: readonly PoseFrame[], degrees = 60): PoseFrame[] {
  const a = (degrees * Math.PI) / 180;
  return frames.map((f) => {
    const out: Record<string, { x: number; y: number } | undefined> = {};
    for (const side of ['left', 'right']) {
      const hip = get(f, `${side}_hip`);
      const knee = get(f, `${side}_knee`);
      const ankle = get(f, `${side}_ankle`);
      if (!hip || !knee || !ankle) continue;
      const shin = Math.hypot(ankle.x - knee.x, ankle.y - knee.y);
      // Backwards: the direction from the hip through the knee, then tipped up off the floor.
      const dir = Math.sign(knee.x - hip.x) || 1;
      out[`${side}_ankle`] = { x: knee.x + dir * shin * Math.cos(a), y: knee.y - shin * Math.sin(a) };
    }
    return replace(f, out);
  });
}

/**
 * One arm at a time: during rep i (its [start, end] in stream seconds), the arm that rests is
 * held where it was (relative to its shoulder) at `restT`, so reps alternate left, right, left …
 */
export function alternatingArms(frames: readonly PoseFrame[], reps: readonly { start: number; end: number }[], restT: number): PoseFrame[] {
  const rest = frames.reduce((best, f) => (Math.abs(f.t - restT) < Math.abs(best.t - restT) ? f : best), frames[0]!);
  const offset = (side: string, joint: string) => {
    const s = get(rest, `${side}_shoulder`)!;
    const j = get(rest, `${side}_${joint}`)!;
    return { dx: j.x - s.x, dy: j.y - s.y };
  };
  return frames.map((f) => {
    const i = reps.findIndex((r) => f.t >= r.start - 0.3 && f.t <= r.end + 0.3);
    if (i < 0) return f;
    const resting = i % 2 === 0 ? 'right' : 'left';
    const s = get(f, `${resting}_shoulder`);
    if (!s) return f;
    const out: Record<string, { x: number; y: number }> = {};
    for (const joint of ['elbow', 'wrist']) {
      const o = offset(resting, joint);
      out[`${resting}_${joint}`] = { x: s.x + o.dx, y: s.y + o.dy };
    }
    return replace(f, out);
  });
}
