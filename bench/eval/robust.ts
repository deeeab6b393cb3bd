/**
 * `npm run eval -- --robust`: a held-out evaluation. Every labelled clip's real keypoints are run
 * again under each camera situation of transforms.ts (zoom, pan, shake, head or feet out of the
 * picture, low-resolution noise), plus a set or hold already under way at the first frame, and
 * optionally (`--lowres-video`) on the video itself downscaled to 350 px wide and inferred
 * afresh. The coach's rules were written on the clips as filmed; none of these versions was
 * seen while writing them, so a rule that fits one clip's camera shows here as a miss.
 *
 * Same metrics per situation as the plain eval: exact share, within ±1, MAE, normalised MAE,
 * exercise recognition and plank hold error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { AnalysisResult, PoseFrame, SessionSummary } from '../../device/src/coach/index.ts';
import { analyse } from './analyse.ts';
import { clipFrames, type SourceOptions } from './keypointSource.ts';
import type { ClipLabel } from './labels.ts';
import { countMetrics } from './metrics.ts';
import { COMBINED, startingAt, TRANSFORMS } from './transforms.ts';

export interface RobustCase {
  clip: string;
  situation: string;
  label: ClipLabel;
  expectedReps?: number;
  expectedHold?: number;
  result: AnalysisResult;
}

/** Seconds of plank hold cut off the start in the `under-way` situation. */
const HOLD_CUT_SECONDS = 3;

/** The session the main result came from (its rep times are relative to its start). */
function mainSession(r: AnalysisResult): SessionSummary | undefined {
  return r.sessions.find((s) => s.startedAt === r.startedAt && s.exercise === r.exercise);
}

/**
 * Where to start the clip so that the set or hold is already under way at the first frame, and
 * what then remains to count; measured against the coach's own run on the whole clip (the
 * labels give counts, not times). Undefined when that run gives nothing to cut at.
 */
export function underWay(label: ClipLabel, whole: AnalysisResult, frames: readonly PoseFrame[]): { from: number; reps?: number; hold?: number } | undefined {
  const s = mainSession(whole);
  if (label.holdSeconds !== undefined) {
    // The hold proper: its first scored stretch of 2 s or more (a moment in position while getting down is not it).
    const first = s?.repDetails.find((d) => d.end - d.start >= 2);
    if (!s || !first) return undefined;
    return { from: s.startedAt + first.start + HOLD_CUT_SECONDS, hold: Math.max(0, label.holdSeconds - HOLD_CUT_SECONDS) };
  }
  if (label.reps === undefined) return undefined;
  if (label.reps === 0) return { from: (frames[frames.length - 1]?.t ?? 0) / 3, reps: 0 };
  // Right after the first rep: the camera comes on with the person between reps, no ready pose first.
  const first = s?.repDetails[0];
  if (!s || !first || s.reps < 2) return undefined;
  return { from: s.startedAt + first.end, reps: label.reps - 1 };
}

/** The clip downscaled to `width` pixels wide (cached beside the keypoint cache). */
export function downscaled(video: string, dir: string, width = 350): string {
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${path.basename(video, path.extname(video))}.w${width}.mp4`);
  if (existsSync(out)) return out;
  const tmp = `${out}.tmp.mp4`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', video, '-vf', `scale=${width}:-2:flags=area`, '-an', '-c:v', 'libx264', '-crf', '23', '-preset', 'veryfast', tmp]);
  renameSync(tmp, out);
  return out;
}

export async function robustCases(labels: readonly ClipLabel[], source: SourceOptions, opts: { lowresDir?: string; log?: (s: string) => void }): Promise<RobustCase[]> {
  const cases: RobustCase[] = [];
  const log = opts.log ?? (() => {});
  for (const label of labels) {
    const clip = path.basename(label.file, '.mp4');
    log(`robust: ${clip}\n`);
    const { frames } = await clipFrames(label.file, source);
    const base = { clip, label, expectedReps: label.reps, expectedHold: label.holdSeconds };
    const whole = analyse(frames, 'auto').result;
    cases.push({ ...base, situation: 'as filmed', result: whole });
    for (const tr of [...TRANSFORMS, ...COMBINED]) cases.push({ ...base, situation: tr.name, result: analyse(tr.apply(frames), 'auto').result });
    const cut = underWay(label, whole, frames);
    if (cut) cases.push({ ...base, situation: 'under-way', expectedReps: cut.reps, expectedHold: cut.hold, result: analyse(startingAt(frames, cut.from), 'auto').result });
    if (opts.lowresDir) {
      const small = downscaled(label.file, opts.lowresDir);
      const lf = (await clipFrames(small, source)).frames;
      cases.push({ ...base, situation: 'lowres-video', result: analyse(lf, 'auto').result });
    }
  }
  return cases;
}

export interface SituationSummary {
  situation: string;
  clips: number;
  counts: ReturnType<typeof countMetrics>;
  recognised: number;
  holdErrors: number[];
}

export function summariseSituations(cases: readonly RobustCase[]): SituationSummary[] {
  const names = [...new Set(cases.map((c) => c.situation))];
  return names.map((situation) => {
    const cs = cases.filter((c) => c.situation === situation);
    const reps = cs.filter((c) => c.expectedReps !== undefined);
    const holds = cs.filter((c) => c.expectedHold !== undefined);
    return {
      situation,
      clips: cs.length,
      counts: countMetrics(reps.map((c) => ({ expected: c.expectedReps!, counted: c.result.reps }))),
      recognised: cs.filter((c) => c.result.exercise === c.label.exercise).length,
      holdErrors: holds.map((c) => Math.abs((c.result.holdSeconds ?? 0) - c.expectedHold!)),
    };
  });
}

export function printRobust(cases: readonly RobustCase[]): void {
  const pct = (a: number, b: number) => `${a}/${b} (${Math.round((100 * a) / Math.max(1, b))}%)`;
  console.log('Robustness (held out): the same clips under camera situations the rules were not written on');
  for (const t of [...TRANSFORMS, ...COMBINED]) console.log(`  ${t.name}: ${t.about}`);
  console.log('  under-way: starts right after the first rep (or 3 s into the hold) as the coach measured it on the whole clip; expected = label − 1 rep (− 3 s)');
  console.log('  lowres-video: the video downscaled to 350 px wide (ffmpeg, area filter) and inferred afresh');
  console.log('');
  console.log('| situation | rep clips | exact | within ±1 | MAE | nMAE | recognised | plank hold error (s) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of summariseSituations(cases)) {
    const m = s.counts;
    console.log(`| ${s.situation} | ${m.clips} | ${pct(m.exact, m.clips)} | ${pct(m.within1, m.clips)} | ${m.mae.toFixed(2)} | ${m.normalisedMae.toFixed(3)} | ${pct(s.recognised, s.clips)} | ${s.holdErrors.map((e) => e.toFixed(1)).join(', ') || '-'} |`);
  }
  console.log('');
  // Per clip: what each situation counted (✗ marks a count off by more than one, or a wrong exercise).
  const situations = [...new Set(cases.map((c) => c.situation))];
  const clips = [...new Set(cases.map((c) => c.clip))];
  console.log(`| clip | expected | ${situations.join(' | ')} |`);
  console.log(`|---|---|${situations.map(() => '---').join('|')}|`);
  for (const clip of clips) {
    const cs = cases.filter((c) => c.clip === clip);
    const first = cs[0]!;
    const expected = first.label.holdSeconds !== undefined ? `${first.label.holdSeconds} s` : String(first.label.reps);
    const cells = situations.map((name) => {
      const c = cs.find((x) => x.situation === name);
      if (!c) return '-';
      const hold = c.expectedHold !== undefined;
      const got = hold ? (c.result.holdSeconds ?? 0) : c.result.reps;
      const want = hold ? c.expectedHold! : c.expectedReps!;
      const bad = Math.abs(got - want) > (hold ? 1.5 : 1) || c.result.exercise !== c.label.exercise;
      const note = c.expectedReps !== first.expectedReps || c.expectedHold !== first.expectedHold ? `/${hold ? want.toFixed(1) : want}` : '';
      return `${hold ? got.toFixed(1) : got}${note}${bad ? ' ✗' : ''}${c.result.exercise !== c.label.exercise ? ` (${c.result.exercise ?? 'none'})` : ''}`;
    });
    console.log(`| ${clip} | ${expected} | ${cells.join(' | ')} |`);
  }
}
