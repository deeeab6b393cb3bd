/**
 * Per-frame body measurements the exercises count and judge from. Angles are in degrees;
 * distances are divided by the torso length (shoulder centre to hip centre) so that they do not
 * depend on how big the person is or how far from the camera they stand.
 * A value is undefined when the joints behind it were not seen.
 */
import { angleAt, distance, midpoint, tiltFromVertical, type Point } from './geometry.ts';
import { SIDES, Skeleton, type Side } from './skeleton.ts';
import type { PoseFrame } from './types.ts';

export type PerSide = Partial<Record<Side, number>>;

export interface Features {
  t: number;
  /** Shoulders and hips seen: enough of a person to analyse. */
  present: boolean;
  /** Hips, knees and ankles seen on at least one side. */
  legsVisible: boolean;
  /** Torso length in pixels (the unit of every normalised distance). */
  scale: number;
  /** The side of the body nearer the camera (its joints score higher). */
  nearSide: Side;
  /** The arm (shoulder–elbow–wrist) and the leg (hip–knee–ankle) seen best: side on, the other hides behind the body. */
  nearArm: Side;
  nearLeg: Side;
  /** Shoulder width over torso length: ~0.6–0.8 facing the camera, ~0–0.2 side on. */
  shoulderWidth?: number;
  /** Knee angle; from the thigh alone (kneeFromThigh) when the ankle is out of the picture and the body upright. */
  knee: PerSide;
  hip: PerSide;
  elbow: PerSide;
  /** Angle hip–shoulder–elbow: 0 arm down along the body, 180 arm straight overhead. */
  armRaise: PerSide;
  /** How far the wrist is above the shoulder, in torso lengths (negative = below). */
  wristRise: PerSide;
  /** How far the elbow is above the shoulder, in torso lengths (negative = below). */
  elbowRise: PerSide;
  /** Horizontal distance elbow–shoulder in torso lengths (a curl's elbow should stay put). */
  elbowDrift: PerSide;
  /** Angle shoulder–hip–ankle (shoulder–hip–knee when kneeling or the feet are unseen): 180 is a straight body line (push-up, plank). */
  bodyLine: PerSide;
  /**
   * The shoulder centre below the picture's centre, in torso lengths: unchanged when the camera
   * zooms (about its centre, scaling the offset and the torso alike).
   */
  shoulderHeight?: number;
  /** The same for the wrists' centre (a press moves the hands in the picture, a pull-up the body). */
  wristHeight?: number;
  /** Torso (hip centre → shoulder centre) away from vertical, degrees. */
  torsoLean?: number;
  /** Signed horizontal offset of shoulders from hips in torso lengths (a lean, in the picture's x). */
  torsoShift?: number;
  /** Body lying rather than standing (push-up, plank). */
  horizontal: boolean;
  /** Horizontal distance between the ankles, and between the knees, in torso lengths. */
  ankleSpread?: number;
  kneeSpread?: number;
  /** Hip centre height above the lower ankle, in torso lengths. */
  hipHeight?: number;
  /** Vertical distance between the ankles in torso lengths: a lunge's split stance seen from the front. */
  ankleDrop?: number;
  /** The more bent leg's knee, horizontally past its ankle, in torso lengths (lunge). */
  kneePastAnkle?: number;
}

/**
 * Thigh length over torso length (hip joint to knee over shoulder centre to hip centre): about
 * 0.245 and 0.288 of body height in anthropometric tables (Drillis & Contini), so ~0.85.
 */
const THIGH_PER_TORSO = 0.85;

/**
 * The knee angle when the ankle is out of the picture, from the thigh alone: the shin taken as
 * vertical, the thigh's tilt towards the camera from how much shorter it looks than this
 * person's standing thigh (ThighGauge; a front view sees a squatting thigh foreshortened, a
 * side view sees it tilt).
 * Body-relative: the same at any zoom. Reads a little straighter than the real angle, as shins
 * lean forward at the bottom of a squat.
 */
export function kneeFromThigh(hip: Point, knee: Point, torso: number, thighPerTorso = THIGH_PER_TORSO): number {
  const dx = (knee.x - hip.x) / torso;
  const dy = (knee.y - hip.y) / torso;
  const depth = Math.sqrt(Math.max(0, thighPerTorso ** 2 - dx * dx - dy * dy));
  // Angle between the thigh (hip→knee) and straight down, in 3-D.
  const fromVertical = (Math.atan2(Math.hypot(dx, depth), dy) * 180) / Math.PI;
  return 180 - Math.min(180, fromVertical);
}

/** Torso tilt (degrees from vertical) below which a body stands, for the knee estimate. */
const UPRIGHT_TORSO = 45;

/** A knee bent more than this (degrees) is knelt on: the body line then ends at the knee. */
const KNEELING_KNEE = 140;

/** Shoulder width over (foreshortened) torso length above which a body faces the camera lying down: upright it is 0.6–0.8. */
const HEAD_ON_SHOULDER_WIDTH = 1.2;
/** …with the hands at least this many shoulder widths below the shoulders (on the floor, not held up). */
const HEAD_ON_WRISTS_BELOW = 0.5;

/**
 * The person's own thigh length over torso length, standing: it varies with the person and the
 * camera's height (0.73–0.92 over the shared clips), so the knee estimate learns it instead of
 * taking the table's 0.85. Standing shows the thigh at its longest in the picture whether seen
 * from the front or the side, so it is a high quantile of the last seconds upright.
 */
export class ThighGauge {
  private samples: { t: number; r: number }[] = [];

  constructor(private readonly seconds = 10) {}

  observe(t: number, ratio: number): void {
    this.samples.push({ t, r: ratio });
    while (this.samples.length && this.samples[0]!.t < t - this.seconds) this.samples.shift();
  }

  /** The standing thigh over torso length; the anthropometric mean until a second or so was seen. */
  get reference(): number {
    if (this.samples.length < 10) return THIGH_PER_TORSO;
    const rs = this.samples.map((x) => x.r).sort((a, b) => a - b);
    return Math.max(0.5, rs[Math.floor(0.9 * (rs.length - 1))]!);
  }
}

export function computeFeatures(frame: PoseFrame, thighs?: ThighGauge): Features {
  const s = new Skeleton(frame);
  const ls = s.get('left_shoulder');
  const rs = s.get('right_shoulder');
  const lh = s.get('left_hip');
  const rh = s.get('right_hip');
  const shoulder = s.centre('shoulder');
  const hip = s.centre('hip');
  const present = !!shoulder && !!hip;
  const scale = shoulder && hip ? Math.max(1, distance(shoulder, hip)) : 1;
  const nearSide: Side = s.sideScore('left') >= s.sideScore('right') ? 'left' : 'right';

  const f: Features = {
    t: frame.t,
    present,
    legsVisible: false,
    scale,
    nearSide,
    nearArm: s.chainScore('left', ['shoulder', 'elbow', 'wrist']) >= s.chainScore('right', ['shoulder', 'elbow', 'wrist']) ? 'left' : 'right',
    nearLeg: s.chainScore('left', ['hip', 'knee', 'ankle']) >= s.chainScore('right', ['hip', 'knee', 'ankle']) ? 'left' : 'right',
    knee: {},
    hip: {},
    elbow: {},
    armRaise: {},
    wristRise: {},
    elbowRise: {},
    elbowDrift: {},
    bodyLine: {},
    horizontal: false,
  };
  if (ls && rs && present) f.shoulderWidth = distance(ls, rs) / scale;
  // Standing, the shin is near vertical: what the knee estimate from the thigh assumes.
  const upright = !!shoulder && !!hip && tiltFromVertical(shoulder, hip) < UPRIGHT_TORSO;

  for (const side of SIDES) {
    const sh = s.limb(side, 'shoulder');
    const el = s.limb(side, 'elbow');
    const wr = s.limb(side, 'wrist');
    const hp = s.limb(side, 'hip');
    const kn = s.limb(side, 'knee');
    const an = s.limb(side, 'ankle');
    if (hp && kn && an) {
      f.knee[side] = angleAt(hp, kn, an);
      f.legsVisible = true;
    } else if (hp && kn && upright) {
      // The feet out of the picture: the knee angle from the thigh alone (below).
      f.knee[side] = kneeFromThigh(hp, kn, scale, thighs?.reference);
    }
    if (hp && kn && upright) thighs?.observe(frame.t, distance(hp, kn) / scale);
    if (sh && hp && kn) f.hip[side] = angleAt(sh, hp, kn);
    if (sh && el && wr) f.elbow[side] = angleAt(sh, el, wr);
    if (hp && sh && el) f.armRaise[side] = angleAt(hp, sh, el);
    if (sh && wr && present) f.wristRise[side] = (sh.y - wr.y) / scale;
    if (sh && el && present) f.elbowRise[side] = (sh.y - el.y) / scale;
    if (sh && el && present) f.elbowDrift[side] = Math.abs(el.x - sh.x) / scale;
    // The body line runs to the ankle; to the knee when kneeling (knee push-ups: the knees are the
    // pivot) or when the feet are out of the picture.
    const kneeling = f.knee[side] !== undefined && f.knee[side]! < KNEELING_KNEE;
    if (sh && hp && an && !kneeling) f.bodyLine[side] = angleAt(sh, hp, an);
    else if (sh && hp && kn) f.bodyLine[side] = angleAt(sh, hp, kn);
  }

  if (shoulder && hip) {
    f.shoulderHeight = (shoulder.y - frame.height / 2) / scale;
    const wrist = s.centre('wrist');
    if (wrist) f.wristHeight = (wrist.y - frame.height / 2) / scale;
    f.torsoLean = tiltFromVertical(shoulder, hip);
    f.torsoShift = (shoulder.x - hip.x) / scale;
    // Lying: the torso is closer to flat than upright. Shoulder→ankle is used as well when seen,
    // since a push-up's torso alone can tilt up to ~60° at the top.
    const la = s.get('left_ankle');
    const ra = s.get('right_ankle');
    const ankle = la && ra ? midpoint(la, ra) : (la ?? ra);
    const bodyTilt = ankle ? tiltFromVertical(shoulder, ankle) : f.torsoLean;
    f.horizontal = f.torsoLean > 50 && bodyTilt > 55;
    // Seen head-on (camera in front of the head), a lying body's torso shrinks to a fraction of
    // its length while the shoulders keep their width, and the hands are on the floor below them.
    if (!f.horizontal && ls && rs) {
      const lw = s.get('left_wrist');
      const rw = s.get('right_wrist');
      const wristsBelow = !!lw && !!rw && (lw.y + rw.y) / 2 - shoulder.y >= HEAD_ON_WRISTS_BELOW * distance(ls, rs);
      f.horizontal = (f.shoulderWidth ?? 0) >= HEAD_ON_SHOULDER_WIDTH && wristsBelow;
    }
    if (la && ra) {
      f.ankleSpread = Math.abs(la.x - ra.x) / scale;
      f.ankleDrop = Math.abs(la.y - ra.y) / scale;
    }
    if (ankle) f.hipHeight = (Math.max(la?.y ?? -Infinity, ra?.y ?? -Infinity) - hip.y) / scale;
  }
  const bent = f.knee.left !== undefined && (f.knee.right === undefined || f.knee.left <= f.knee.right) ? 'left' : 'right';
  const bk = s.limb(bent, 'knee');
  const ba = s.limb(bent, 'ankle');
  if (bk && ba && present) f.kneePastAnkle = Math.abs(bk.x - ba.x) / scale;
  const lk = s.get('left_knee');
  const rk = s.get('right_knee');
  if (lk && rk && present) f.kneeSpread = Math.abs(lk.x - rk.x) / scale;
  return f;
}

/**
 * One value of a left/right pair, chosen for the camera view: side on, the near side (the far
 * one is hidden and guessed); otherwise both, combined by `both` (mean by default).
 */
export function pick(values: PerSide, view: 'front' | 'side' | 'three_quarter', nearSide: Side, both: 'mean' | 'min' | 'max' = 'mean'): number | undefined {
  const l = values.left;
  const r = values.right;
  if (view === 'side') return (nearSide === 'left' ? l : r) ?? l ?? r;
  if (l === undefined) return r;
  if (r === undefined) return l;
  return both === 'min' ? Math.min(l, r) : both === 'max' ? Math.max(l, r) : (l + r) / 2;
}
