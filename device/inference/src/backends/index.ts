import type { BackendName } from '../types.ts';
import { createOnnxRunner, onnxStatus, type OnnxOptions } from './onnx.ts';
import type { ModelRunner } from './runner.ts';
import { createTfjsRunner, tfjsBackendStatus } from './tfjs.ts';

export { BackendUnavailableError, type ModelOutput, type ModelRunner } from './runner.ts';
export { onnxSessionOptions, type OnnxOptions } from './onnx.ts';

/** Makes the runner of one backend; a backend that cannot run here throws BackendUnavailableError. */
export async function createRunner(model: string, inputSize: number, backend: BackendName, onnx?: OnnxOptions): Promise<ModelRunner> {
  switch (backend) {
    case 'tfjs-wasm':
    case 'tfjs-node':
      return createTfjsRunner(model, inputSize, backend);
    case 'onnx':
      return createOnnxRunner(model, inputSize, onnx);
    default:
      throw new Error(`unknown backend "${backend as string}": use tfjs-wasm, tfjs-node or onnx`);
  }
}

export interface BackendStatus {
  backend: BackendName;
  available: boolean;
  /** Why it cannot run here. */
  reason?: string;
}

/**
 * Fastest first. `npm run bench:inference` measured ONNX Runtime at about a quarter of tfjs-wasm's
 * CPU per frame; tfjs-node (libtensorflow, not installed here) is placed between them on its
 * published figures, tfjs-wasm always runs.
 */
export const BACKENDS_FASTEST_FIRST: readonly BackendName[] = ['onnx', 'tfjs-node', 'tfjs-wasm'];

/** Whether one backend can run these models here, and why not. */
export async function backendStatus(backend: BackendName, models: string[] = ['movenet-lightning']): Promise<BackendStatus> {
  const status = backend === 'onnx' ? await onnxStatus(models) : await tfjsBackendStatus(backend);
  return { backend, ...status };
}

/** Which backends can run in this process, and why the others cannot. */
export async function availableBackends(models?: string[]): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const b of BACKENDS_FASTEST_FIRST) out.push(await backendStatus(b, models));
  return out;
}

/** The fastest backend that can run these models here (tfjs-wasm when nothing faster is present). */
export async function fastestBackend(models: string[]): Promise<BackendName> {
  for (const b of BACKENDS_FASTEST_FIRST) if ((await backendStatus(b, models)).available) return b;
  return 'tfjs-wasm'; // creating it will say why it cannot run either
}
