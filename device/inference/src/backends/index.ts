import type { BackendName } from '../types.ts';
import { BackendUnavailableError, type ModelRunner } from './runner.ts';
import { createTfjsRunner, tfjsBackendStatus } from './tfjs.ts';

export { BackendUnavailableError, type ModelRunner } from './runner.ts';

/** Makes the runner of one backend; a backend that cannot run here throws BackendUnavailableError. */
export async function createRunner(model: string, inputSize: number, backend: BackendName): Promise<ModelRunner> {
  switch (backend) {
    case 'tfjs-wasm':
    case 'tfjs-node':
      return createTfjsRunner(model, inputSize, backend);
    case 'onnx':
      throw new BackendUnavailableError('the onnx backend is not available yet');
    default:
      throw new Error(`unknown backend "${backend as string}": use tfjs-wasm, tfjs-node or onnx`);
  }
}

/** Which backends can run in this process, and why the others cannot. */
export async function availableBackends(): Promise<{ backend: BackendName; available: boolean; reason?: string }[]> {
  const out: { backend: BackendName; available: boolean; reason?: string }[] = [];
  for (const b of ['tfjs-wasm', 'tfjs-node'] as const) out.push({ backend: b, ...(await tfjsBackendStatus(b)) });
  out.push({ backend: 'onnx', available: false, reason: 'not implemented yet' });
  return out;
}
