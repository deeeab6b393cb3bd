import { getModelEntry, listModels, resolveModel } from '@pose-coach/models';
import type * as OrtModule from 'onnxruntime-node';
import { BackendUnavailableError, type ModelRunner } from './runner.ts';

/**
 * ONNX Runtime (onnxruntime-node, CPU execution provider) on the ONNX models that
 * `npm run models:install` converts from the tfjs graphs (`<model>-onnx` in models/manifest.json,
 * same int32 NHWC input and output). Imported on first use, so a platform without its native
 * binary (32-bit ARM, say) reports this backend absent instead of failing to start.
 */
type Ort = typeof OrtModule;

const PKG = 'onnxruntime-node';

/** Session settings; see `onnxSessionOptions` for the reasons behind the defaults. */
export interface OnnxOptions {
  /** Intra-op threads per model. Default 1 (env POSE_COACH_ONNX_THREADS). */
  threads?: number;
  /**
   * Layout optimisations (graph optimisation level "all" rather than "extended"): on x64 they run
   * the convolutions in MLAS's blocked NCHWc format. Default true; false shows, on x64, roughly
   * what an arm64 device gets (no NCHWc there).
   */
  layoutOptimizations?: boolean;
}

let ortPromise: Promise<Ort> | undefined;
function loadOrt(): Promise<Ort> {
  ortPromise ??= (async () => {
    try {
      const mod = (await import(/* @vite-ignore */ PKG)) as Ort & { default?: Ort };
      return mod.InferenceSession ? mod : mod.default!;
    } catch (err) {
      throw new BackendUnavailableError(`${PKG} is not installed or does not load: ${(err as Error).message.split('\n')[0]}`);
    }
  })();
  return ortPromise;
}

/** `movenet-thunder` → `movenet-thunder-onnx`, if the manifest lists it. */
export function onnxModelName(model: string): string {
  const name = `${model}-onnx`;
  if (!listModels().some((m) => m.name === name && m.format === 'onnx')) {
    throw new BackendUnavailableError(`no ONNX model "${name}" in models/manifest.json`);
  }
  return name;
}

/** Whether ONNX Runtime loads here and the ONNX files of these models are installed. */
export async function onnxStatus(models: string[] = ['movenet-lightning']): Promise<{ available: boolean; reason?: string }> {
  try {
    await loadOrt();
    for (const model of models) resolveModel(onnxModelName(model), { verifyHash: false });
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

function threadsFromEnv(): number | undefined {
  const raw = process.env.POSE_COACH_ONNX_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`POSE_COACH_ONNX_THREADS must be a whole number from 1 to 64; got "${raw}"`);
  return n;
}

/**
 * Settings for a 2–4 core mirror (measured with `npm run bench:inference`):
 * - one intra-op thread by default: MoveNet's layers are small, so a second thread buys little
 *   wall time for much more CPU, and the other cores decode video and run the agent;
 * - no spinning: an idle ORT worker thread otherwise busy-waits for the next layer;
 * - every graph optimisation (constant folding of the decoder's shape arithmetic, Conv+Clip fusion,
 *   and on x64 the blocked NCHWc convolutions);
 * - sequential execution: the graph is a chain, parallel branches would only add threads.
 */
export function onnxSessionOptions(opts: OnnxOptions = {}): OrtModule.InferenceSession.SessionOptions {
  const threads = opts.threads ?? threadsFromEnv() ?? 1;
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: opts.layoutOptimizations === false ? 'extended' : 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export async function createOnnxRunner(model: string, inputSize: number, opts: OnnxOptions = {}): Promise<ModelRunner> {
  const name = onnxModelName(model);
  const ort = await loadOrt();
  const installed = resolveModel(name);
  const file = Object.values(installed.paths).find((p) => p.endsWith('.onnx'));
  if (!file) throw new BackendUnavailableError(`model ${name} lists no .onnx file`);
  const session = await ort.InferenceSession.create(file, onnxSessionOptions(opts));
  const size = getModelEntry(name).inputSize || inputSize;
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    backend: 'onnx',
    inputSize: size,
    async run(input) {
      const out = await session.run({ [inputName!]: new ort.Tensor('int32', input, [1, size, size, 3]) });
      const y = out[outputName!]!;
      return { data: y.data as Float32Array, shape: y.dims };
    },
    dispose() {
      void session.release();
    },
  };
}
