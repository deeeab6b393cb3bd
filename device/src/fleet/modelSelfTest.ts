/**
 * The self-test of a model release: one frame through inference with the models of the new slot,
 * in a child process (POSE_COACH_MODELS_DIR pointed at the slot) so the running estimator is left
 * alone and a crash of the new model cannot take the agent down. The models package checks every
 * file against its manifest hash, so a damaged or foreign model fails here, before it is used.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./modelSelfTestChild.ts', import.meta.url));

export interface ModelSelfTestOptions {
  model: 'movenet-lightning' | 'movenet-thunder';
  backend?: 'auto' | 'onnx' | 'tfjs-node' | 'tfjs-wasm';
  timeoutMs?: number;
}

/** Resolves with the inference time of the test frame; rejects naming what failed. */
export function modelSelfTest(dir: string, o: ModelSelfTestOptions): Promise<{ ms: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, o.model, o.backend ?? 'auto'],
      { env: { ...process.env, POSE_COACH_MODELS_DIR: dir }, timeout: o.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        if (err) return reject(new Error(`inference self-test failed: ${(stderr.trim().split('\n').at(-1) ?? '') || err.message}`));
        try {
          resolve(JSON.parse(last) as { ms: number });
        } catch {
          reject(new Error(`inference self-test printed no result: ${last.slice(0, 200)}`));
        }
      },
    );
  });
}
