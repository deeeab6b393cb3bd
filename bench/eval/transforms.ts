/**
 * Situations a real mirror meets, applied to a clip's real keypoints (what the mirror's own
 * inference found on the labelled video), so that every labelled clip is also a held-out test of
 * the coach under a camera it was never tuned on: zoom in and out over time, a slow pan, a
 * hand-held shake, the head or the feet out of the picture, low-resolution keypoint noise, and a
 * set or hold already under way at the first frame.
 *
 * Every transform is deterministic (seeded), acts on the whole picture the way the camera would
 * (a zoom scales about the frame centre, a pan shifts every joint alike) and hides a joint that
 * leaves the frame, as the estimator would. What the keypoints cannot show (motion blur, the
 * estimator itself missing a small person) is what `npm run eval -- --robust --lowres-video`
 * measures on really downscaled videos.
 */
import type { PoseFrame, PoseKeypoint } from '../../device/src/coach/index.ts';

export interface Transform {
  name: string;
  /** What a reader of the table needs to know about it. */
  about: string;
  apply(frames: readonly PoseFrame[]): PoseFrame[];
}

/** Small deterministic generator (Park–Miller), so every run sees the same shake and noise. */
export function seeded(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** A standard normal deviate from a uniform generator (Box–Muller). */
function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, rnd()))) * Math.cos(2 * Math.PI * rnd());
}

const HEAD = new Set(['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear']);
const FEET = new Set(['left_ankle', 'right_ankle']);

/** A joint outside the picture is not seen (the estimator guesses it at low confidence). */
function inFrame(k: PoseKeypoint, w: number, h: number): PoseKeypoint {
  return k.x < 0 || k.y < 0 || k.x > w || k.y > h ? { ...k, score: Math.min(k.score, 0.05) } : k;
}

/** Every joint moved by `map` (the camera's motion at time t), joints leaving the frame hidden. */
function cameraMotion(frames: readonly PoseFrame[], map: (t: number, w: number, h: number) => (x: number, y: number) => [number, number]): PoseFrame[] {
  return frames.map((f) => {
    const m = map(f.t, f.width, f.height);
    return {
      ...f,
      keypoints: f.keypoints.map((k) => {
        const [x, y] = m(k.x, k.y);
        return inFrame({ ...k, x, y }, f.width, f.height);
      }),
    };
  });
}

/** Zoom by `s` about the frame centre. */
const zoomAbout = (w: number, h: number, s: number) => (x: number, y: number): [number, number] => [w / 2 + s * (x - w / 2), h / 2 + s * (y - h / 2)];

/** Hides joints chosen by `hide`. */
function hideJoints(frames: readonly PoseFrame[], hide: (name: string) => boolean): PoseFrame[] {
  return frames.map((f) => ({ ...f, keypoints: f.keypoints.map((k) => (hide(k.name) ? { ...k, score: Math.min(k.score, 0.05) } : k)) }));
}

/** A smooth random walk (hand-held camera drift) sampled per frame: low-passed white noise, unit variance. */
function wobble(frames: readonly PoseFrame[], rnd: () => number, tau: number): number[] {
  const out: number[] = [];
  let v = 0;
  let prevT = frames[0]?.t ?? 0;
  for (const f of frames) {
    const a = 1 - Math.exp(-Math.max(0, f.t - prevT) / tau);
    // An Ornstein–Uhlenbeck step keeps the variance near 1 whatever the frame rate.
    v = v * (1 - a) + Math.sqrt(Math.max(0, 1 - (1 - a) ** 2)) * gauss(rnd);
    prevT = f.t;
    out.push(v);
  }
  return out;
}

export const TRANSFORMS: readonly Transform[] = [
  {
    name: 'zoom',
    about: 'zoom in and out about the frame centre, ×0.7…×1.3 over a 5 s cycle (joints leaving the picture hidden)',
    apply: (frames) => cameraMotion(frames, (t, w, h) => zoomAbout(w, h, 1 + 0.3 * Math.sin((2 * Math.PI * t) / 5))),
  },
  {
    name: 'zoom-fast',
    about: 'zoom ×0.75…×1.25 over a 2 s cycle (as fast as a rep)',
    apply: (frames) => cameraMotion(frames, (t, w, h) => zoomAbout(w, h, 1 + 0.25 * Math.sin((2 * Math.PI * t) / 2))),
  },
  {
    name: 'pan',
    about: 'pan ±12 % of the frame width and ±5 % of its height over 7 s',
    apply: (frames) => cameraMotion(frames, (t, w, h) => {
      const dx = 0.12 * w * Math.sin((2 * Math.PI * t) / 7);
      const dy = 0.05 * h * Math.sin((2 * Math.PI * t) / 4.3);
      return (x, y) => [x + dx, y + dy];
    }),
  },
  {
    name: 'shake',
    about: 'hand-held: drift of σ 3 % of the frame (τ 0.3 s), ±2° roll and ±4 % zoom wobble, plus 1 % per-frame jitter',
    apply(frames) {
      const rnd = seeded(11);
      const wx = wobble(frames, rnd, 0.3);
      const wy = wobble(frames, rnd, 0.3);
      const wr = wobble(frames, rnd, 0.5);
      const wz = wobble(frames, rnd, 0.7);
      return frames.map((f, i) => {
        const size = Math.max(f.width, f.height);
        const dx = 0.03 * size * wx[i]! + 0.01 * size * gauss(rnd);
        const dy = 0.03 * size * wy[i]! + 0.01 * size * gauss(rnd);
        const rot = ((2 * Math.PI) / 180) * wr[i]!;
        const s = 1 + 0.04 * wz[i]!;
        const cx = f.width / 2;
        const cy = f.height / 2;
        const c = Math.cos(rot);
        const sn = Math.sin(rot);
        return {
          ...f,
          keypoints: f.keypoints.map((k) => {
            const x = k.x - cx;
            const y = k.y - cy;
            return inFrame({ ...k, x: cx + s * (c * x - sn * y) + dx, y: cy + s * (sn * x + c * y) + dy }, f.width, f.height);
          }),
        };
      });
    },
  },
  {
    name: 'head-cropped',
    about: 'the head out of the picture (nose, eyes and ears not seen)',
    apply: (frames) => hideJoints(frames, (n) => HEAD.has(n)),
  },
  {
    name: 'feet-cropped',
    about: 'the feet out of the picture (ankles not seen)',
    apply: (frames) => hideJoints(frames, (n) => FEET.has(n)),
  },
  {
    name: 'lowres-noise',
    about: 'keypoint noise of a ~350 px wide picture: σ 1.5 of its pixels per joint per frame, confidence ×0.8',
    apply(frames) {
      const rnd = seeded(5);
      return frames.map((f) => {
        const px = Math.max(f.width, f.height) / 350;
        return { ...f, keypoints: f.keypoints.map((k) => ({ ...k, x: k.x + 1.5 * px * gauss(rnd), y: k.y + 1.5 * px * gauss(rnd), score: k.score * 0.8 })) };
      });
    },
  },
];

/** Several situations at once, applied in order (the first innermost). */
export function combined(name: string, parts: readonly string[]): Transform {
  const ts = parts.map((p) => {
    const t = TRANSFORMS.find((x) => x.name === p);
    if (!t) throw new Error(`no transform "${p}"`);
    return t;
  });
  return { name, about: parts.join(' + '), apply: (frames) => ts.reduce<PoseFrame[]>((fs, t) => t.apply(fs), [...frames]) };
}

/** A hand-held phone far from the person: zoom, shake and low-resolution noise together. */
export const COMBINED: readonly Transform[] = [combined('zoom+shake+lowres', ['zoom', 'shake', 'lowres-noise'])];

/** The frames from stream time `from` on, their times starting again at 0 (a camera switched on then). */
export function startingAt(frames: readonly PoseFrame[], from: number): PoseFrame[] {
  return frames.filter((f) => f.t >= from).map((f) => ({ ...f, t: f.t - from }));
}
