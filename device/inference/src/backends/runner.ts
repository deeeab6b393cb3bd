/**
 * What a backend does for the estimator: run one MoveNet model on one int32 input image.
 * Everything model-specific around it (crop, resize, mapping back, tracking) is shared.
 */
export interface ModelRunner {
  readonly backend: 'tfjs-wasm' | 'tfjs-node' | 'onnx';
  /** Side of the square input. */
  readonly inputSize: number;
  /** `input` is inputSize² × 3 int32 RGB (NHWC); returns the model's output, flattened. */
  run(input: Int32Array): Promise<Float32Array>;
  dispose(): void;
}

/** A backend that cannot run here (package not installed, no model file): not an error. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
