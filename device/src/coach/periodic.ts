/**
 * Class-agnostic repetition counting: counts a movement the coach has no rule for from the
 * periodic part of the body's own keypoint signals (as RepNet / PoseRAC count from video, here
 * from pose alone).
 *
 *   body signals → uniform grid → period per signal (autocorrelation) → dominant signal
 *                → cycles of the dominant signal (hysteresis around its local mean)
 *
 * Every signal is relative to the person's body, normalised frame by frame by their size
 * (joint angles; joint positions relative to the hips in torso lengths), so a camera that zooms,
 * pans or shakes does not make a movement. The one camera-relative signal, the body's height in
 * the picture (jumps), is measured in torso lengths and high-passed, so a slow pan or zoom
 * drops out, and counts only when no body-relative signal repeats. A movement is periodic when its dominant signal's autocorrelation at one period is
 * strong; dancing, walking about and fidgeting repeat too loosely to pass, and count 0.
 */
import { angleAt, distance, type Point } from './geometry.ts';
import { Skeleton, type JointName } from './skeleton.ts';
import type { PoseFrame } from './types.ts';

export interface PeriodicOptions {
  /** Samples per second of the uniform grid the signals are put on. */
  rate: number;
  /** Shortest and longest period looked for, seconds. */
  minPeriod: number;
  maxPeriod: number;
  /** Seconds of recent movement the period and the dominant signal are chosen from. */
  window: number;
  /** Autocorrelation at the period needed to call the movement periodic (0..1). */
  minStrength: number;
  /** Seconds of stream between two analyses (a live mirror need not redo it every frame). */
  analyseEvery: number;
  /** A gap without the body longer than this (seconds) breaks the signal. */
  maxGap: number;
}

export const DEFAULT_PERIODIC: PeriodicOptions = { rate: 20, minPeriod: 0.3, maxPeriod: 5, window: 24, minStrength: 0.55, analyseEvery: 0.5, maxGap: 0.6 };

/** Smallest peak-to-peak swing of a signal that can be a repetition: degrees for angles, torso lengths for positions. */
const MIN_SWING = { angle: 25, position: 0.25 };

/** Seconds of grid kept, and (about) dropped at a time once past that (see PeriodicCounter.trim). */
const KEEP_SECONDS = 120;
const DROP_SECONDS = 30;

/** Cycles before a movement counts as repetitive. */
const MIN_CYCLES = 3;

type SignalKind = keyof typeof MIN_SWING;

/** The side of its local mean a signal rests on between repetitions. */
type Side = 'high' | 'low';

interface SignalDef {
  name: string;
  kind: SignalKind;
  /** The value in this frame, or undefined when its joints were not seen. */
  read(s: Skeleton, body: Body | undefined): number | undefined;
  /**
   * Picture-relative (it moves when the camera pans): only repetitions quicker than this many
   * seconds are looked for, on the signal less its moving mean over that long, since a camera
   * pans and tilts over several seconds while a jump takes under one.
   */
  fastOnly?: number;
}

/** Longest period, seconds, of a jump read from the body's height in the picture. */
const JUMP_PERIOD = 1.5;

interface Body {
  hip: Point;
  shoulder: Point;
  scale: number;
  /** Height of the picture's centre, pixels. */
  centreY: number;
}

const SIDES = ['left', 'right'] as const;
const j = (s: Skeleton, name: string) => s.get(name as JointName);

function angleSignal(name: string, a: string, b: string, c: string): SignalDef {
  return {
    name,
    kind: 'angle',
    read(s) {
      const pa = j(s, a);
      const pb = j(s, b);
      const pc = j(s, c);
      return pa && pb && pc ? angleAt(pa, pb, pc) : undefined;
    },
  };
}

/** A joint's position relative to the hip centre, along x or y, in torso lengths. */
function positionSignal(joint: string, axis: 'x' | 'y'): SignalDef {
  return {
    name: `${joint}.${axis}`,
    kind: 'position',
    read(s, body) {
      const p = j(s, joint);
      return p && body ? (p[axis] - body.hip[axis]) / body.scale : undefined;
    },
  };
}

/** The body's signals: joint angles, then joint positions relative to the hips, then the body's height in the picture. */
const SIGNALS: readonly SignalDef[] = [
  ...SIDES.flatMap((side) => [
    angleSignal(`${side}.elbow`, `${side}_shoulder`, `${side}_elbow`, `${side}_wrist`),
    angleSignal(`${side}.knee`, `${side}_hip`, `${side}_knee`, `${side}_ankle`),
    angleSignal(`${side}.hip`, `${side}_shoulder`, `${side}_hip`, `${side}_knee`),
    angleSignal(`${side}.shoulder`, `${side}_hip`, `${side}_shoulder`, `${side}_elbow`),
  ]),
  ...['nose', 'left_wrist', 'right_wrist', 'left_elbow', 'right_elbow', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'].flatMap((joint) => [
    positionSignal(joint, 'x'),
    positionSignal(joint, 'y'),
  ]),
  { name: 'shoulders.y', kind: 'position', read: (_s, body) => body && (body.shoulder.y - body.hip.y) / body.scale },
  // Measured from the picture's centre: a zoom scales the picture about it, and so scales this
  // offset and the torso alike (from the top edge, zooming in and out made a movement of its own).
  { name: 'body.height', kind: 'position', read: (_s, body) => body && (body.hip.y - body.centreY) / body.scale, fastOnly: JUMP_PERIOD },
];

function bodyOf(s: Skeleton, frame: PoseFrame): Body | undefined {
  const shoulder = s.centre('shoulder');
  const hip = s.centre('hip');
  if (!shoulder || !hip) return undefined;
  return { hip, shoulder, scale: Math.max(1, distance(shoulder, hip)), centreY: frame.height / 2 };
}

/** One counted cycle of the dominant signal, in stream seconds. */
export interface Cycle {
  start: number;
  end: number;
}

export interface PeriodicState {
  /** Repetitions counted so far (never falls while the movement stays the same). */
  count: number;
  /** The dominant signal's period in seconds and its autocorrelation there, when periodic. */
  period?: number;
  strength?: number;
  signal?: string;
  cycles: Cycle[];
}

/** Normalised autocorrelation of `x` (mean removed) at `lag`. */
function autocorrelation(x: Float64Array, lag: number): number {
  let num = 0;
  let a2 = 0;
  let b2 = 0;
  for (let i = 0; i + lag < x.length; i++) {
    const a = x[i]!;
    const b = x[i + lag]!;
    num += a * b;
    a2 += a * a;
    b2 += b * b;
  }
  return a2 > 0 && b2 > 0 ? num / Math.sqrt(a2 * b2) : 0;
}

/** The period (in samples) with the strongest repetition, preferring the shortest of near-equal peaks (not a multiple). */
export function dominantPeriod(x: Float64Array, minLag: number, maxLag: number): { lag: number; strength: number } | undefined {
  const top = Math.min(maxLag, Math.floor(x.length / 2));
  if (top <= minLag + 1) return undefined;
  const r = new Float64Array(top + 2);
  for (let k = Math.max(1, minLag - 1); k <= top + 1 && k < x.length; k++) r[k] = autocorrelation(x, k);
  const peaks: { lag: number; strength: number }[] = [];
  for (let k = minLag; k <= top; k++) if (r[k]! > 0 && r[k]! >= r[k - 1]! && r[k]! >= r[k + 1]!) peaks.push({ lag: k, strength: r[k]! });
  if (!peaks.length) return undefined;
  const best = Math.max(...peaks.map((p) => p.strength));
  return peaks.find((p) => p.strength >= 0.85 * best);
}

/** Mean-free copy with a straight-line trend removed (a slow zoom or pan drifts, it does not repeat). */
function detrend(x: Float64Array): Float64Array {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += i;
    sy += x[i]!;
    sxx += i * i;
    sxy += i * x[i]!;
  }
  const d = n * sxx - sx * sx;
  const slope = d ? (n * sxy - sx * sy) / d : 0;
  const icpt = (sy - slope * sx) / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i]! - (icpt + slope * i);
  return out;
}

/** The side of its local mean (over one period) `x` is on at sample `i`; undefined outside the series. */
function sideAt(x: Float64Array, i: number, lag: number): Side | undefined {
  if (!(i >= 0 && i < x.length)) return undefined;
  const half = Math.max(1, Math.round(lag / 2));
  let sum = 0;
  let n = 0;
  for (let k = Math.max(0, i - half); k < Math.min(x.length, i + half + 1); k++, n++) sum += x[k]!;
  const d = x[i]! - sum / n;
  return d > 0 ? 'high' : d < 0 ? 'low' : undefined;
}

/** `x` less its centred moving mean over `width` samples: what moves faster than that. */
function highPass(x: Float64Array, width: number): Float64Array {
  const n = x.length;
  const half = Math.max(1, Math.round(width / 2));
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(n, i + half + 1);
    out[i] = x[i]! - (prefix[b]! - prefix[a]!) / (b - a);
  }
  return out;
}

function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Array.from(xs).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]! : 0;
}

/**
 * Complete cycles of `x` (a grid signal) around its local mean, with hysteresis of a fraction of
 * the local swing: excursions away from the side the movement starts on (or `rest`, when a
 * longer history already showed it), and back.
 */
export function countCycles(x: Float64Array, lag: number, t0: number, rate: number, minSwing: number, rest?: Side): { cycles: Cycle[]; rest?: Side } {
  const n = x.length;
  const half = Math.max(1, Math.round(lag / 2));
  // Local mean over one period (it cancels the oscillation) and local swing over two.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const centre = (i: number) => {
    const a = Math.max(0, i - half);
    const b = Math.min(n, i + half + 1);
    return (prefix[b]! - prefix[a]!) / (b - a);
  };
  const swingAt = (i: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = Math.max(0, i - lag); k < Math.min(n, i + lag + 1); k++) {
      lo = Math.min(lo, x[k]!);
      hi = Math.max(hi, x[k]!);
    }
    return hi - lo;
  };
  // An excursion into one side is complete when the signal enters the other side; the cycle it
  // closes runs from the previous entry into that other side (a whole period) when there was one.
  const runs: Record<'high' | 'low', Cycle[]> = { high: [], low: [] };
  let state: 'high' | 'low' | 'mid' = 'mid';
  let entered: Record<'high' | 'low', number | undefined> = { high: undefined, low: undefined };
  const minCycle = 0.5 * lag;
  let first: 'high' | 'low' | undefined;
  for (let i = 0; i < n; i++) {
    const swing = swingAt(i);
    if (swing < minSwing) {
      state = 'mid';
      entered = { high: undefined, low: undefined };
      continue;
    }
    const d = x[i]! - centre(i);
    const band = 0.2 * swing;
    const next: 'high' | 'low' | 'mid' = d > band ? 'high' : d < -band ? 'low' : state;
    if (next === state || next === 'mid') continue;
    if (state !== 'mid') {
      const done = state; // the excursion just left
      const prev = entered[next];
      if (prev === undefined || i - prev >= minCycle) runs[done].push({ start: t0 + (prev ?? entered[done]!) / rate, end: t0 + i / rate });
    }
    entered[next] = i;
    first ??= next;
    state = next;
  }
  // A repetition leaves the rest position and comes back: the side the set starts on is the rest,
  // and its excursions into the other side are the reps (a last one cut off half way is not).
  const restSide = rest ?? first;
  return { cycles: restSide === 'low' ? runs.high : restSide === 'high' ? runs.low : [], rest: restSide };
}

export class PeriodicCounter {
  private readonly defs = SIGNALS;
  /** One grid series per signal (NaN where unseen), from `t0`, `rate` samples per second. */
  private grid: number[][] = SIGNALS.map(() => []);
  /** Cycles counted in grid samples since dropped (a long session keeps a bounded grid). */
  private banked: Cycle[] = [];
  /** The rest side of the signal the banked cycles were counted on, and of the last analysis. */
  private bankedRest: { signal: string; rest: Side } | undefined;
  private lastRest: { signal: string; rest: Side } | undefined;
  private t0: number | undefined;
  private last: { t: number; v: (number | undefined)[] } | undefined;
  private nextAnalysis = -Infinity;
  private state: PeriodicState = { count: 0, cycles: [] };

  constructor(private readonly opts: PeriodicOptions = DEFAULT_PERIODIC) {}

  /** One frame of (smoothed) keypoints. */
  push(frame: PoseFrame): void {
    const s = new Skeleton(frame);
    const body = bodyOf(s, frame);
    // Angles need only their own three joints (a zoom that crops the hips leaves the elbows);
    // positions need the hips and the torso's length.
    const v = this.defs.map((d) => d.read(s, body));
    this.t0 ??= frame.t;
    const rate = this.opts.rate;
    const prev = this.last;
    // Fill the grid up to this frame: linear between two frames close in time, unseen otherwise.
    const until = Math.floor((frame.t - this.t0) * rate + 1e-9);
    for (let k = 0; k < this.defs.length; k++) {
      const series = this.grid[k]!;
      for (let i = series.length; i <= until; i++) {
        const t = this.t0 + i / rate;
        const a = prev?.v[k];
        const b = v[k];
        let val = NaN;
        if (b !== undefined && prev && a !== undefined && frame.t - prev.t <= this.opts.maxGap && frame.t > prev.t) {
          const u = Math.min(1, Math.max(0, (t - prev.t) / (frame.t - prev.t)));
          val = a + u * (b - a);
        } else if (b !== undefined && Math.abs(t - frame.t) <= 0.5 / rate) val = b;
        series.push(val);
      }
    }
    this.last = { t: frame.t, v };
    this.trim();
    if (frame.t >= this.nextAnalysis) {
      this.nextAnalysis = frame.t + this.opts.analyseEvery;
      this.analyse();
    }
  }

  /** The count and what it was counted from, as of the last analysis. */
  get current(): PeriodicState {
    return this.state;
  }

  /** Analyses now (the end of a stream) and returns the final state. */
  finish(): PeriodicState {
    this.analyse();
    return this.state;
  }

  /**
   * Keeps at most KEEP_SECONDS of grid: past that, about DROP_SECONDS go, and the cycles counted
   * in them are banked, so the cost of an analysis stays flat over an hour-long session. The cut
   * falls a little before the end of the last banked cycle, so the next analysis still sees the
   * rest before the cycle that straddles the cut, and counts on from the same rest side (cutting
   * blind lost that cycle: a 100-rep set counted 99).
   */
  private trim(): void {
    const rate = this.opts.rate;
    if (this.t0 === undefined || this.grid[0]!.length < KEEP_SECONDS * rate) return;
    const limit = this.t0 + DROP_SECONDS;
    const done = this.state.cycles.filter((c) => c.end <= limit && !this.banked.includes(c));
    this.banked = [...this.banked, ...done];
    const lastEnd = this.banked[this.banked.length - 1]?.end;
    const period = this.state.period ?? this.opts.maxPeriod;
    let cut = lastEnd !== undefined ? lastEnd - Math.min(2 * this.opts.maxPeriod, Math.max(2, 2 * period)) : limit;
    // Nothing banked lately (no movement then): drop the whole stretch, there is nothing to lose.
    if (cut - this.t0 < DROP_SECONDS / 2) cut = limit;
    const drop = Math.round((cut - this.t0) * rate);
    this.grid = this.grid.map((series) => series.slice(drop));
    this.t0 += drop / rate;
    this.bankedRest = this.lastRest;
  }

  private analyse(): void {
    if (this.t0 === undefined) return;
    const { rate, window, minPeriod, maxPeriod, minStrength } = this.opts;
    const n = this.grid[0]!.length;
    const from = Math.max(0, n - Math.round(window * rate));
    const found: Candidate[] = [];
    for (let k = 0; k < this.defs.length; k++) {
      const raw = filled(this.grid[k]!, from, n);
      if (!raw) continue;
      const fast = this.defs[k]!.fastOnly;
      const x = fast ? highPass(raw, Math.round(fast * rate)) : raw;
      const swing = quantile(x, 0.9) - quantile(x, 0.1);
      if (swing < MIN_SWING[this.defs[k]!.kind]) continue;
      const p = dominantPeriod(detrend(x), Math.round(minPeriod * rate), Math.round(Math.min(maxPeriod, fast ?? maxPeriod) * rate));
      if (!p || p.strength < minStrength) continue;
      found.push({ k, name: this.defs[k]!.name, kind: this.defs[k]!.kind, fast: fast !== undefined, ...p });
    }
    const best = fundamental(found);
    if (!best) {
      // Not periodic now: the count stays where the movement left it.
      this.state = { ...this.state, period: undefined, strength: undefined };
      return;
    }
    const x = filled(this.grid[best.k]!, 0, n, true)!;
    const lastBanked = this.banked[this.banked.length - 1]?.end ?? -Infinity;
    const signal = this.defs[best.k]!.name;
    // The banked count's rest side; for another signal than it was counted on, the side this one
    // was on as the last banked rep ended, back at rest (guessing from where the kept grid starts,
    // mid-rep, shifted the count by half a cycle and lost one at the cut).
    const rest = this.bankedRest?.signal === signal ? this.bankedRest.rest : sideAt(x, Math.round((lastBanked - this.t0) * rate), best.lag);
    const fresh = countCycles(x, best.lag, this.t0, rate, MIN_SWING[this.defs[best.k]!.kind], rest);
    this.lastRest = fresh.rest ? { signal, rest: fresh.rest } : undefined;
    // A cycle ending at (or within half a period of) the last banked one is that one, counted again.
    const cycles = [...this.banked, ...fresh.cycles.filter((c) => c.end > lastBanked + (0.5 * best.lag) / rate)];
    // A movement counts once it has repeated MIN_CYCLES times (a gesture or two is not a set).
    const count = cycles.length >= MIN_CYCLES ? cycles.length : 0;
    this.state = { count: Math.max(count, this.state.count), period: best.lag / rate, strength: best.strength, signal, cycles };
  }
}

interface Candidate {
  k: number;
  name: string;
  kind: SignalKind;
  fast: boolean;
  lag: number;
  strength: number;
}

/** The other coordinate of the same joint (`left_wrist.x` → `left_wrist.y`), for a position signal. */
const otherAxis = (c: Candidate) => (c.kind === 'position' ? c.name.replace(/\.(x|y)$/, (_m, a: string) => (a === 'x' ? '.y' : '.x')) : undefined);

/**
 * The signal to count from: the most periodic one, unless it is one coordinate of a joint
 * swinging through an arc. A hand raised sideways over the head and lowered again goes out and
 * back in across the picture on the way up and again on the way down, so its x repeats twice
 * per rep while its y repeats once (a jumping jack's wrist, seen from an angle, counted double).
 * When the same joint's other coordinate repeats at twice the period, that is the repetition,
 * and the most periodic signal at it is counted. A different limb at twice the period (arms
 * swinging once every two jumps) is not the same movement, and the strongest signal stands.
 */
function fundamental(all: readonly Candidate[]): Candidate | undefined {
  // The body's own signals first: the picture-relative one only when none of them repeats (the
  // camera moves it too, and a jumping jack's two hops per rep make it repeat at half a rep).
  const own = all.filter((c) => !c.fast);
  const found = own.length ? own : all;
  let best: Candidate | undefined;
  for (const c of found) if (!best || c.strength > best.strength) best = c;
  if (!best) return undefined;
  const twice = found.filter((c) => Math.abs(c.lag - 2 * best.lag) <= Math.max(1, 0.15 * 2 * best.lag));
  const arc = otherAxis(best);
  if (!arc || !twice.some((c) => c.name === arc)) return best;
  return twice.reduce((a, c) => (c.strength > a.strength ? c : a));
}

/**
 * The series from `from` to `to` with short holes filled by the last value; undefined when less
 * than 80 % of it was seen (unless `always`).
 */
function filled(series: number[], from: number, to: number, always = false): Float64Array | undefined {
  const len = to - from;
  if (len <= 0) return undefined;
  let seen = 0;
  for (let i = from; i < to; i++) if (!Number.isNaN(series[i]!)) seen++;
  if (!always && seen < 0.8 * len) return undefined;
  if (seen === 0) return undefined;
  const out = new Float64Array(len);
  let lastVal = NaN;
  for (let i = from; i < to; i++) if (!Number.isNaN(series[i]!)) {
    lastVal = series[i]!;
    break;
  }
  for (let i = from; i < to; i++) {
    const v = series[i]!;
    if (!Number.isNaN(v)) lastVal = v;
    out[i - from] = lastVal;
  }
  return out;
}
