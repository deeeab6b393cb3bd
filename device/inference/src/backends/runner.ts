/**
 * What a backend does for the estimator: run one MoveNet model on one int32 input image.
 * Everything model-specific around it (crop, resize, mapping back, tracking) is shared.
 */
export interface ModelRunner {
  readonly backend: 'tfjs-wasm' | 'tfjs-node' | 'onnx';
  /** Side of the square input. */
  readonly inputSize: number;
  /** `input` is inputSize² × 3 int32 RGB (NHWC); returns the model's output, flattened, with its shape. */
  run(input: Int32Array): Promise<ModelOutput>;
  dispose(): void;
}

/** A backend that cannot run here (package not installed, no model file): not an error. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** A model's output as the backend gave it: read it only through movenet/outputShape.ts's check. */
export interface ModelOutput {
  data: Float32Array;
  shape: readonly number[];
}
