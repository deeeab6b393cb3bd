/**
 * Counting metrics over labelled clips, as repetition-counting papers report them (RepNet,
 * TransRAC): exact share, share within ±1 ("off-by-one accuracy"), mean absolute error, and
 * normalised MAE (|counted − true| / true, averaged). Clips whose truth is 0 reps (no exercise)
 * enter the absolute figures; the normalised error of such a clip is |counted| (it cannot be
 * divided by 0), so a false count still shows.
 */
export interface CountOutcome {
  expected: number;
  counted: number;
}

export interface CountMetrics {
  clips: number;
  exact: number;
  within1: number;
  mae: number;
  normalisedMae: number;
}

export function countMetrics(rows: readonly CountOutcome[]): CountMetrics {
  const n = rows.length;
  const errs = rows.map((r) => Math.abs(r.counted - r.expected));
  const norm = rows.map((r, i) => (r.expected > 0 ? errs[i]! / r.expected : errs[i]!));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    clips: n,
    exact: errs.filter((e) => e === 0).length,
    within1: errs.filter((e) => e <= 1).length,
    mae: n ? sum(errs) / n : 0,
    normalisedMae: n ? sum(norm) / n : 0,
  };
}

