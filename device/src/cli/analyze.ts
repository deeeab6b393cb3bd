import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createEstimator, type BackendName, type ModelName } from '@pose-coach/inference';
import { keypointsFromVideo, probeVideo, type FrameKeypoints } from '../frames/index.ts';
import { keypointsLine } from './keypoints-jsonl.ts';
import { createFrameAnalyzer, formatSummary, type ExerciseName } from '../coach/index.ts';

const MODELS: ModelName[] = ['movenet-lightning', 'movenet-thunder'];
const BACKENDS: (BackendName | 'auto')[] = ['auto', 'onnx', 'tfjs-node', 'tfjs-wasm'];

/** Something that watches every frame of `analyze` (the coach, the keypoints file) and finishes at the end. */
export interface FrameConsumer {
  onFrame(frame: FrameKeypoints): void | Promise<void>;
  finish(): Promise<void>;
}

function keypointsFileWriter(file: string): FrameConsumer {
  const out = createWriteStream(file);
  return {
    async onFrame(f) {
      if (!out.write(keypointsLine(f) + '\n')) await once(out, 'drain');
    },
    async finish() {
      out.end();
      await once(out, 'finish');
    },
  };
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      keypoints: { type: 'string' },
      model: { type: 'string', default: 'movenet-lightning' },
      backend: { type: 'string', default: 'auto' }, // the fastest backend present
      'no-smoothing': { type: 'boolean', default: false },
      'no-tracking': { type: 'boolean', default: false },
      'max-side': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      exercise: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
    },
  });
  const [video, ...extra] = positionals;
  if (!video) throw new Error('which video? usage: pose-coach analyze <video> [--exercise NAME|auto] [--json] [--keypoints out.jsonl]');
  if (extra.length) throw new Error(`one video at a time; unexpected: ${extra.join(' ')}`);
  if (!MODELS.includes(values.model as ModelName)) throw new Error(`--model must be one of ${MODELS.join(', ')}; got "${values.model}"`);
  if (!BACKENDS.includes(values.backend as BackendName | 'auto')) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}; got "${values.backend}"`);
  const maxSide = values['max-side'] === undefined ? undefined : Number(values['max-side']);
  if (maxSide !== undefined && !(Number.isInteger(maxSide) && maxSide >= 0)) throw new Error(`--max-side must be a whole number of pixels; got "${values['max-side']}"`);
  // The coach refuses an unknown --exercise before the model loads.
  const analyzer = createFrameAnalyzer({ exercise: values.exercise as ExerciseName | 'auto' });

  const info = probeVideo(video); // refuses a missing or unreadable file before the model loads
  const estimator = await createEstimator({
    model: values.model as ModelName,
    backend: values.backend as BackendName | 'auto',
    smoothing: !values['no-smoothing'],
    tracking: !values['no-tracking'],
  });
  const consumers: FrameConsumer[] = [{ onFrame: (f) => void analyzer.push(f), finish: async () => {} }];
  if (values.keypoints) consumers.push(keypointsFileWriter(values.keypoints));
  const bar = new cliProgress.SingleBar(
    { format: 'analyze [{bar}] {percentage}% | {value}/{total} frames | {fps} fps', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const showBar = !values.quiet && process.stderr.isTTY;
  if (showBar) bar.start(info.frames || 1, 0, { fps: '-' });
  const start = performance.now();
  let frames = 0;
  try {
    for await (const f of keypointsFromVideo(video, { estimator, maxSide })) {
      for (const c of consumers) await c.onFrame(f);
      frames++;
      if (showBar) {
        if (frames > bar.getTotal()) bar.setTotal(frames);
        bar.update(frames, { fps: (frames / ((performance.now() - start) / 1000)).toFixed(1) });
      }
    }
  } finally {
    if (showBar) bar.stop();
    estimator.dispose();
    for (const c of consumers) await c.finish();
  }
  const seconds = (performance.now() - start) / 1000;
  if (!values.quiet) {
    console.error(`analyze: ${frames} frames of ${video} with ${estimator.model} on ${estimator.backend} in ${seconds.toFixed(1)} s (${(frames / seconds).toFixed(1)} frames/s)${values.keypoints ? `; keypoints in ${values.keypoints}` : ''}`);
  }
  const result = analyzer.result();
  console.log(values.json ? JSON.stringify({ video, model: values.model, ...result }) : formatSummary(result));
  return 0;
}
