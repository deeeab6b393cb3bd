import { createRequire } from 'node:module';
import path from 'node:path';
import { readTfjsGraph, resolveModel } from '@pose-coach/models';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError, type ModelRunner } from './runner.ts';

type TfBackend = 'tfjs-wasm' | 'tfjs-node';
const TF_NAME: Record<TfBackend, string> = { 'tfjs-wasm': 'wasm', 'tfjs-node': 'tensorflow' };

let wasmReady: Promise<void> | undefined;
let nodeReady: Promise<void> | undefined;

/**
 * The WASM backend, loaded from the package's own dist folder so nothing is fetched.
 * In Node tfjs-backend-wasm runs single-threaded SIMD (WASM_HAS_MULTITHREAD_SUPPORT is false
 * under Node, tensorflow/tfjs#3830): inference takes one core and leaves the other to ffmpeg and
 * the rest of the agent, which is what the mirror wants anyway.
 */
function initWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new BackendUnavailableError('the tfjs WASM backend failed to initialise');
    await tf.ready();
  })();
  return wasmReady;
}

/** tfjs-node, only when it happens to be installed (its install downloads libtensorflow). */
function initNode(): Promise<void> {
  nodeReady ??= (async () => {
    const pkg = '@tensorflow/tfjs-node';
    try {
      await import(/* @vite-ignore */ pkg);
    } catch (err) {
      throw new BackendUnavailableError(`${pkg} is not installed or does not load: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!tf.findBackend('tensorflow')) {
      throw new BackendUnavailableError(`${pkg} loaded but registered no "tensorflow" backend with this @tensorflow/tfjs`);
    }
  })();
  return nodeReady;
}

/** Whether a tfjs backend can run in this process, and why not. */
export async function tfjsBackendStatus(backend: TfBackend): Promise<{ available: boolean; reason?: string }> {
  try {
    await (backend === 'tfjs-wasm' ? initWasm() : initNode());
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

/** Reads a tfjs graph model from the models folder: model.json plus its weight shards. */
function loadGraphModelFiles(modelName: string): tf.io.ModelArtifacts {
  const installed = resolveModel(modelName);
  const graph = readTfjsGraph(Object.values(installed.paths).find((p) => p.endsWith('.json'))!);
  const weights = graph.weightData;
  return {
    modelTopology: graph.modelTopology,
    weightSpecs: graph.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: graph.format,
    generatedBy: graph.generatedBy,
    convertedBy: graph.convertedBy,
    signature: graph.signature,
  };
}

export async function createTfjsRunner(modelName: string, inputSize: number, backend: TfBackend): Promise<ModelRunner> {
  await (backend === 'tfjs-wasm' ? initWasm() : initNode());
  const tfName = TF_NAME[backend];
  if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
  const model = await tf.loadGraphModel(tf.io.fromMemory(loadGraphModelFiles(modelName)));
  return {
    backend,
    inputSize,
    async run(input) {
      // Backends are process-wide in tfjs; switch if another runner changed it.
      if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
      const x = tf.tensor4d(input, [1, inputSize, inputSize, 3], 'int32');
      const y = model.execute(x) as tf.Tensor;
      try {
        return { data: (await y.data()) as Float32Array, shape: y.shape };
      } finally {
        x.dispose();
        y.dispose();
      }
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Live tensor count, for leak tests. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
