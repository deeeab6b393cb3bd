/**
 * Threshold data: one documented JSON file per exercise in ./thresholds/, overridable (by fleet
 * config) with a partial object of the same shape. An override naming a key the defaults do not
 * have is refused with its path, so a typo never silently does nothing.
 */
import type { CountingThresholds } from './repCounter.ts';
import type { ExerciseName, View } from './types.ts';
import squat from './thresholds/squat.json' with { type: 'json' };
import pushup from './thresholds/pushup.json' with { type: 'json' };
import lunge from './thresholds/lunge.json' with { type: 'json' };
import jumpingJack from './thresholds/jumping_jack.json' with { type: 'json' };
import bicepCurl from './thresholds/bicep_curl.json' with { type: 'json' };
import shoulderPress from './thresholds/shoulder_press.json' with { type: 'json' };
import plank from './thresholds/plank.json' with { type: 'json' };

export interface RepThresholds {
  counting: CountingThresholds;
  /** Per-view overrides of any key of `counting` or `form`. */
  views: Partial<Record<View, Record<string, number>>>;
  /** Overrides of `counting` or `form` while the feet are out of the picture (the knee read from the thigh), over the view's. */
  feetUnseen?: Record<string, number>;
  posture?: Record<string, number>;
  form: Record<string, number>;
}

export interface HoldThresholds {
  hold: { minBodyLine: number; minKneeLine: number; minKnee: number; maxArmChange: number; settleSeconds: number; graceSeconds: number };
  form: Record<string, number>;
}

export type AnyThresholds = RepThresholds | HoldThresholds;

const strip = <T>(o: { _doc?: unknown } & T): T => {
  const { _doc, ...rest } = o;
  return rest as T;
};

export const DEFAULT_THRESHOLDS: Record<ExerciseName, AnyThresholds> = {
  squat: strip(squat) as RepThresholds,
  pushup: strip(pushup) as RepThresholds,
  lunge: strip(lunge) as RepThresholds,
  jumping_jack: strip(jumpingJack) as RepThresholds,
  bicep_curl: strip(bicepCurl) as RepThresholds,
  shoulder_press: strip(shoulderPress) as RepThresholds,
  plank: strip(plank) as HoldThresholds,
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ThresholdOverrides = Partial<Record<ExerciseName, DeepPartial<AnyThresholds> | Record<string, unknown>>>;

export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

function merge(base: unknown, over: unknown, path: string, allowNewKeys: boolean): unknown {
  if (over === undefined) return base;
  if (typeof base === 'number') {
    if (typeof over !== 'number' || !Number.isFinite(over)) throw new ThresholdError(`threshold ${path} must be a number; got ${JSON.stringify(over)}`);
    return over;
  }
  if (typeof base === 'string') {
    if (typeof over !== 'string') throw new ThresholdError(`threshold ${path} must be a string; got ${JSON.stringify(over)}`);
    return over;
  }
  if (base && typeof base === 'object') {
    if (!over || typeof over !== 'object' || Array.isArray(over)) throw new ThresholdError(`threshold ${path} must be an object`);
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) {
      const known = k in out;
      if (!known && !allowNewKeys) throw new ThresholdError(`unknown threshold ${path}.${k}`);
      // `views` may gain a view the defaults do not override yet; its keys are checked by name below.
      out[k] = known ? merge(out[k], v, `${path}.${k}`, path.endsWith('.views')) : v;
    }
    return out;
  }
  throw new ThresholdError(`threshold ${path} cannot be overridden`);
}

/** The thresholds of every exercise with `overrides` applied. */
export function resolveThresholds(overrides: ThresholdOverrides = {}): Record<ExerciseName, AnyThresholds> {
  const out = { ...DEFAULT_THRESHOLDS };
  for (const [name, over] of Object.entries(overrides)) {
    if (!(name in out)) throw new ThresholdError(`unknown exercise "${name}" in thresholds; known: ${Object.keys(out).join(', ')}`);
    out[name as ExerciseName] = merge(out[name as ExerciseName], over, name, false) as AnyThresholds;
  }
  return out;
}

/** Counting and form thresholds of a rep exercise as seen from `view` (and with the feet out of the picture). */
export function forView(th: RepThresholds, view: View, feetUnseen = false): { counting: CountingThresholds; form: Record<string, number>; posture: Record<string, number> } {
  const counting = { ...th.counting };
  const form = { ...th.form };
  const apply = (o: Record<string, number>, where: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (k in counting) (counting as unknown as Record<string, number>)[k] = v;
      else if (k in form) form[k] = v;
      else throw new ThresholdError(`unknown threshold ${where}.${k}`);
    }
  };
  apply(th.views[view] ?? {}, `views.${view}`);
  if (feetUnseen) apply(th.feetUnseen ?? {}, 'feetUnseen');
  return { counting, form, posture: th.posture ?? {} };
}
