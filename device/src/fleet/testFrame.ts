/**
 * One mid-grey frame through the estimator the agent makes (with its person finder, so every model
 * file the agent loads is checked): the shared core of the model and app self-tests.
 */
import { createEstimator, type BackendName, type ModelName } from '@pose-coach/inference';

/** Resolves with the inference time in ms; rejects when a model is missing, damaged or gives no pose list. */
export async function oneTestFrame(model: ModelName, backend: BackendName | 'auto'): Promise<number> {
  const estimator = await createEstimator({ model, backend });
  const width = 320;
  const height = 240;
  const started = performance.now();
  const poses = await estimator.estimatePoses({ data: new Uint8Array(width * height * 3).fill(128), width, height });
  if (!Array.isArray(poses)) throw new Error('the estimator returned no pose list');
  estimator.dispose();
  return Math.round(performance.now() - started);
}
