/**
 * Child of modelSelfTest.ts: argv model, backend; the estimator the agent makes (with its person
 * finder, so every model file the agent loads is checked), one mid-grey frame through it; prints {ms}.
 */
import { createEstimator, type BackendName, type ModelName } from '@pose-coach/inference';

const [model, backend] = process.argv.slice(2) as [ModelName, BackendName];
try {
  const estimator = await createEstimator({ model, backend });
  const width = 320;
  const height = 240;
  const started = performance.now();
  const poses = await estimator.estimatePoses({ data: new Uint8Array(width * height * 3).fill(128), width, height });
  if (!Array.isArray(poses)) throw new Error('the estimator returned no pose list');
  estimator.dispose();
  console.log(JSON.stringify({ ms: Math.round(performance.now() - started) }));
  process.exit(0);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
