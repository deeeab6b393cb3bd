/**
 * A model's output checked for shape before any of it is read, as tfjs-models' MoveNet detector
 * does (it refuses anything but [1, 1, 17, 3]): a wrong or damaged model then fails at once,
 * naming the shape it should have given, instead of turning into NaN joints far downstream.
 */
import type { ModelOutput } from '../backends/runner.ts';

/** MoveNet SinglePose: 17 × (y, x, score). */
export const SINGLEPOSE_SHAPE = [1, 1, 17, 3] as const;
/** MoveNet MultiPose: up to 6 people, each 17 × (y, x, score), a box (yMin, xMin, yMax, xMax) and a score. */
export const MULTIPOSE_SHAPE = [1, 6, 56] as const;

export class ModelOutputError extends Error {
  override name = 'ModelOutputError';
}

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The output's values, once its shape is `expected` and every value a finite number; else throws ModelOutputError. */
export function checkedOutput(model: string, output: ModelOutput, expected: readonly number[]): Float32Array {
  const { shape, data } = output;
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new ModelOutputError(`model ${model} gave an output of shape ${show(shape)}; expected ${show(expected)}: is it the right model file?`);
  }
  const size = expected.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new ModelOutputError(`model ${model} gave ${data.length} values for shape ${show(expected)}; expected ${size}`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ModelOutputError(`model ${model} gave a non-finite value (${data[bad]}) at index ${bad} of its ${show(expected)} output`);
  return data;
}
