import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversionError, installModels, listModels, listOps, modelsDir, readTfjsGraph, resolveModel, tfjsGraphToOnnx, type TfjsGraph, type TfNode } from '../src/index.ts';
import { OP_HANDLERS } from '../src/onnx/ops.ts';
import { decodeModel } from '../src/onnx/proto.ts';

const TFJS_MODELS = ['movenet-lightning', 'movenet-thunder', 'movenet-multipose'];

/** A tiny tfjs graph: an int32 input and the given nodes, with int32 constants as weights. */
function tinyGraph(nodes: TfNode[], consts: Record<string, number[]>, inputShape: number[], output: string): TfjsGraph {
  const weightSpecs = Object.entries(consts).map(([name, v]) => ({ name, shape: [v.length], dtype: 'int32' as const }));
  const weightData = Buffer.from(Int32Array.from(Object.values(consts).flat()).buffer);
  const placeholder: TfNode = { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_INT32' }, shape: { shape: { dim: inputShape.map((d) => ({ size: String(d)})) } } } };
  const constNodes: TfNode[] = Object.keys(consts).map((name) => ({ name, op: 'Const', attr: { dtype: { type: 'DT_INT32' } } }));
  return {
    modelTopology: { node: [placeholder, ...constNodes, ...nodes] },
    weightSpecs,
    weightData,
    signature: { inputs: { x: { name: 'x:0', dtype: 'DT_INT32' } }, outputs: { y: { name: `${output}:0`, dtype: 'DT_INT32' } } },
  };
}

async function runOnnx(bytes: Uint8Array, input: Int32Array, dims: number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('int32', input, dims) });
  await session.release();
  return Array.from(out[session.outputNames[0]!]!.data as Int32Array);
}

describe('tfjs graph → ONNX converter', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pose-onnx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('knows every op the MoveNet Lightning, Thunder and MultiPose graphs use', () => {
    installModels(TFJS_MODELS);
    for (const name of TFJS_MODELS) {
      const json = Object.values(resolveModel(name).paths).find((p) => p.endsWith('.json'))!;
      const unknown = Object.keys(listOps(readTfjsGraph(json))).filter((op) => !OP_HANDLERS[op] && op !== 'Const' && op !== 'Placeholder');
      expect(unknown, name).toEqual([]);
    }
  });

  it('lists an ONNX conversion of each tfjs model in the manifest, pinned by sha256', () => {
    for (const name of TFJS_MODELS) {
      const entry = listModels().find((m) => m.name === `${name}-onnx`)!;
      expect(entry.format).toBe('onnx');
      expect(entry.source).toEqual({ convertedFrom: name });
      expect(entry.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('converts into an empty folder to exactly the pinned bytes, leaves a matching file alone and converts a damaged one again', () => {
    const first = installModels(['movenet-lightning-onnx'], dir);
    expect(first.map((r) => [r.model, r.action])).toEqual([
      ['movenet-lightning', 'installed'],
      ['movenet-lightning', 'installed'],
      ['movenet-lightning-onnx', 'converted'],
    ]);
    const onnx = resolveModel('movenet-lightning-onnx', { dir }).paths['movenet-lightning.onnx']!;
    expect(readFileSync(onnx).equals(readFileSync(path.join(modelsDir(), 'movenet-lightning.onnx')))).toBe(true);
    expect(installModels(['movenet-lightning-onnx'], dir).every((r) => r.action === 'up-to-date')).toBe(true);
    appendFileSync(onnx, 'x');
    expect(() => resolveModel('movenet-lightning-onnx', { dir })).toThrow(/is corrupt/);
    expect(installModels(['movenet-lightning-onnx'], dir).at(-1)?.action).toBe('converted');
    expect(() => resolveModel('movenet-lightning-onnx', { dir })).not.toThrow();
  });

  it('writes the backbone in NCHW without a transpose between layers', () => {
    const model = decodeModel(readFileSync(resolveModel('movenet-thunder-onnx').paths['movenet-thunder.onnx']!));
    const ops = model.graph.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Conv').length).toBe(74); // 50 + 24 convolutions of the tfjs graph
    // one into NCHW before the first convolution, one back per head the decoder reads in NHWC
    expect(ops.filter((o) => o === 'Transpose').length).toBeLessThanOrEqual(6);
  });

  it('refuses an op it does not know, naming the node and the op', () => {
    const graph = tinyGraph([{ name: 'y', op: 'Erf', input: ['x'] }], {}, [2], 'y');
    expect(() => tfjsGraphToOnnx(graph)).toThrow(ConversionError);
    expect(() => tfjsGraphToOnnx(graph)).toThrow(/node "y" \(Erf\): op Erf is not supported/);
  });

  it('keeps TF semantics where ONNX differs: FloorDiv rounds integers toward −∞, StridedSlice masks', async () => {
    const floorDiv = tinyGraph([{ name: 'y', op: 'FloorDiv', input: ['x', 'd'], attr: { T: { type: 'DT_INT32' } } }], { d: [2] }, [6], 'y');
    const x = Int32Array.from([-7, -6, -1, 0, 5, 7]);
    expect(await runOnnx(tfjsGraphToOnnx(floorDiv), x, [6])).toEqual([-4, -3, -1, 0, 2, 3]);

    // x[:, 1:, newaxis][..., 0] style: begin_mask on axis 0, new axis at 2, shrink of the last
    const slice = tinyGraph(
      [{ name: 'y', op: 'StridedSlice', input: ['x', 'b', 'e', 's'], attr: { T: { type: 'DT_INT32' }, Index: { type: 'DT_INT32' }, begin_mask: { i: '1' }, end_mask: { i: '3' }, new_axis_mask: { i: '4' }, shrink_axis_mask: { i: '8' } } }],
      { b: [0, 1, 0, 2], e: [0, 0, 0, 3], s: [1, 1, 1, 1] },
      [2, 3, 4],
      'y',
    );
    const cube = Int32Array.from({ length: 24 }, (_, i) => i);
    // y[i][j][0] = x[i][1 + j][2]: shape [2, 2, 1]
    expect(await runOnnx(tfjsGraphToOnnx(slice), cube, [2, 3, 4])).toEqual([6, 10, 18, 22]);
  });
});
