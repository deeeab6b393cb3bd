import type { BackendName } from '../types.ts';
import { createOnnxRunner, onnxStatus } from './onnx.ts';
import type { ModelRunner } from './runner.ts';
import { createTfjsRunner, tfjsBackendStatus } from './tfjs.ts';

export { BackendUnavailableError, type ModelRunner } from './runner.ts';

/** Makes the runner of one backend; a backend that cannot run here throws BackendUnavailableError. */
export async function createRunner(model: string, inputSize: number, backend: BackendName): Promise<ModelRunner> {
  switch (backend) {
    case 'tfjs-wasm':
    case 'tfjs-node':
      return createTfjsRunner(model, inputSize, backend);
    case 'onnx':
      return createOnnxRunner(model, inputSize);
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

/** Which backends can run in this process, and why the others cannot. */
export async function availableBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const b of ['tfjs-wasm', 'tfjs-node'] as const) out.push({ backend: b, ...(await tfjsBackendStatus(b)) });
  out.push({ backend: 'onnx', ...(await onnxStatus()) });
  return out;
}
