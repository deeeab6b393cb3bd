import { describe, expect, it } from 'vitest';
import { getModelEntry } from '@pose-coach/models';
import { createRunner } from '../src/backends/index.ts';
import { checkedOutput, ModelOutputError, MULTIPOSE_SHAPE, SINGLEPOSE_SHAPE } from '../src/index.ts';

const singlePose = () => ({ data: new Float32Array(51).fill(0.5), shape: [1, 1, 17, 3] });

describe('model output shape check', () => {
  it('passes a SinglePose output of [1, 1, 17, 3] through unchanged', () => {
    const out = singlePose();
    expect(checkedOutput('movenet-lightning', out, SINGLEPOSE_SHAPE)).toBe(out.data);
  });

  it('refuses another shape, naming the model, the shape it gave and the one expected', () => {
    const wrong = { data: new Float32Array(336), shape: [1, 6, 56] };
    expect(() => checkedOutput('movenet-lightning', wrong, SINGLEPOSE_SHAPE)).toThrow(ModelOutputError);
    expect(() => checkedOutput('movenet-lightning', wrong, SINGLEPOSE_SHAPE)).toThrow('model movenet-lightning gave an output of shape [1, 6, 56]; expected [1, 1, 17, 3]');
    expect(() => checkedOutput('movenet-lightning', { data: new Float32Array(51), shape: [1, 17, 3] }, SINGLEPOSE_SHAPE)).toThrow('expected [1, 1, 17, 3]');
  });

  it('refuses data that does not fill the shape, and NaN or infinite values, instead of passing them on as joints', () => {
    expect(() => checkedOutput('m', { data: new Float32Array(50), shape: [1, 1, 17, 3] }, SINGLEPOSE_SHAPE)).toThrow('gave 50 values for shape [1, 1, 17, 3]; expected 51');
    const nan = singlePose();
    nan.data[7] = NaN;
    expect(() => checkedOutput('m', nan, SINGLEPOSE_SHAPE)).toThrow('non-finite value (NaN) at index 7');
  });

  it('refuses a real MultiPose model put where SinglePose was expected, and passes the real SinglePose and MultiPose outputs', async () => {
    const run = async (model: string) => {
      const size = getModelEntry(model).inputSize;
      const runner = await createRunner(model, size, 'tfjs-wasm');
      try {
        return await runner.run(new Int32Array(size * size * 3).fill(128));
      } finally {
        runner.dispose();
      }
    };
    const multi = await run('movenet-multipose');
    expect(() => checkedOutput('movenet-lightning', multi, SINGLEPOSE_SHAPE)).toThrow(/gave an output of shape \[1, 6, 56\]; expected \[1, 1, 17, 3\]/);
    expect(checkedOutput('movenet-multipose', multi, MULTIPOSE_SHAPE)).toHaveLength(336);
    expect(checkedOutput('movenet-lightning', await run('movenet-lightning'), SINGLEPOSE_SHAPE)).toHaveLength(51);
  });
});
