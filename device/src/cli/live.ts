import { parseArgs } from 'node:util';
import { createEstimator, type ModelName } from '@pose-coach/inference';
import { csiCamera, liveKeypoints, videoAsCamera, webcam, type LiveSource } from '../frames/index.ts';

const SOURCES = 'csi | webcam[:/dev/videoN] | video:<file>';

function sourceFrom(spec: string, maxSide: number | undefined): LiveSource {
  if (spec === 'csi') return csiCamera({ maxSide });
  if (spec === 'webcam' || spec.startsWith('webcam:')) return webcam({ device: spec.slice('webcam:'.length) || undefined, maxSide });
  if (spec.startsWith('video:')) return videoAsCamera(spec.slice('video:'.length), { maxSide, loop: true });
  throw new Error(`--source must be ${SOURCES}; got "${spec}"`);
}

/**
 * `pose-coach live`: the mirror's camera loop without the rest of the agent, printing once a
 * second the frame rate inference reaches, the camera's rate, dropped frames and the pose score.
 * A camera check on a new mirror, and the figure to compare with the camera's frame rate.
 */
export async function liveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string', default: 'csi' },
      model: { type: 'string', default: 'movenet-lightning' },
      seconds: { type: 'string' },
      'max-side': { type: 'string' },
    },
  });
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new Error(`--seconds must be a positive number; got "${values.seconds}"`);
  if (!['movenet-lightning', 'movenet-thunder'].includes(values.model)) throw new Error(`--model must be movenet-lightning or movenet-thunder; got "${values.model}"`);
  const maxSide = values['max-side'] === undefined ? undefined : Number(values['max-side']);
  const source = sourceFrom(values.source, maxSide);
  const estimator = await createEstimator({ model: values.model as ModelName });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = seconds ? setTimeout(stop, seconds * 1000) : undefined;
  let lastPrint = 0;
  try {
    for await (const e of liveKeypoints(source, estimator, { signal: controller.signal })) {
      if (e.type === 'camera-ready') console.error(`live: ${e.description} is streaming`);
      else if (e.type === 'camera-error') console.error(`live: ${e.error.message}; retry ${e.attempt} in ${(e.retryInMs / 1000).toFixed(1)} s`);
      else if (performance.now() - lastPrint > 1000) {
        lastPrint = performance.now();
        const s = e.stats;
        console.log(
          `inference ${s.fps.toFixed(1)} fps | camera ${s.sourceFps.toFixed(1)} fps | dropped ${s.dropped}/${s.captured} | ` +
            (e.pose ? `person ${e.pose.score.toFixed(2)} in ${e.pose.ms.toFixed(1)} ms` : 'nobody'),
        );
      }
    }
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    estimator.dispose();
  }
  return 0;
}
