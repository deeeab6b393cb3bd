import type { TfConst } from '../tfjs-graph.ts';
import { ONNX_TYPE, type Dtype, type OpContext, type Value } from './context.ts';
import { OnnxType } from './proto.ts';

/**
 * One handler per TensorFlow op: takes the node's inputs, emits ONNX nodes, returns the node's
 * outputs. The set is what MoveNet Lightning, Thunder and MultiPose use (`listOps(graph)` lists a
 * graph's ops; models/test/onnx-convert.test.ts checks them); anything else is refused by name.
 */
export type OpHandler = (ctx: OpContext, inputs: Value[]) => Value[];

const out = (dtype: Dtype, name: string, nchw = false): Value => ({ dtype, name, nchw });
const INT_MAX = 2 ** 31 - 1; // Slice clamps to the dimension, so this stands for "to the end"

// --- element-wise ---

function unary(op: string): OpHandler {
  return (ctx, [x]) => [out(x!.dtype, ctx.emit1(op, [x!.nchw ? x!.name! : ctx.nhwc(x!)]), x!.nchw)];
}

/** Element-wise with broadcasting, in NCHW when an operand already is (see OpContext.preferNchw). */
function elementwise(op: string, result?: Dtype): OpHandler {
  return (ctx, inputs) => {
    const nchw = ctx.preferNchw(inputs);
    return [out(result ?? inputs[0]!.dtype, ctx.emit1(op, inputs.map((v) => ctx.in(v, nchw))), nchw)];
  };
}

const squaredDifference: OpHandler = (ctx, inputs) => {
  const nchw = ctx.preferNchw(inputs);
  const d = ctx.emit1('Sub', inputs.map((v) => ctx.in(v, nchw)));
  return [out(inputs[0]!.dtype, ctx.emit1('Mul', [d, d]), nchw)];
};

/** TF rounds toward −∞; ONNX Div truncates integers toward 0, so negative quotients are corrected. */
const floorDiv: OpHandler = (ctx, inputs) => {
  const nchw = ctx.preferNchw(inputs);
  const [a, b] = inputs.map((v) => ctx.in(v, nchw)) as [string, string];
  const dtype = inputs[0]!.dtype;
  if (dtype === 'float32') return [out(dtype, ctx.emit1('Floor', [ctx.emit1('Div', [a, b])]), nchw)];
  const q = ctx.emit1('Div', [a, b]);
  const r = ctx.emit1('Sub', [a, ctx.emit1('Mul', [q, b])]);
  const zero = ctx.scalar('int32', 0);
  const inexact = ctx.emit1('Not', [ctx.emit1('Equal', [r, zero])]);
  const signsDiffer = ctx.emit1('Xor', [ctx.emit1('Less', [r, zero]), ctx.emit1('Less', [b, zero])]);
  const fix = ctx.emit1('Cast', [ctx.emit1('And', [inexact, signsDiffer])], { to: OnnxType.INT32 });
  return [out(dtype, ctx.emit1('Sub', [q, fix]), nchw)];
};

const cast: OpHandler = (ctx, [x]) => {
  const to = ctx.attrType('DstT');
  return [out(to, ctx.emit1('Cast', [x!.nchw ? x!.name! : ctx.nhwc(x!)], { to: ONNX_TYPE[to] }), x!.nchw)];
};

const identity: OpHandler = (_ctx, [x]) => [x!];

// --- convolutions (NCHW) ---

/** TF conv attributes → ONNX strides, dilations and padding. */
function convGeometry(ctx: OpContext, kernel: [number, number]) {
  ctx.requireNhwc();
  const s = ctx.attrInts('strides');
  const d = ctx.attrInts('dilations');
  const strides = s.length === 4 ? [s[1]!, s[2]!] : [1, 1];
  const dilations = d.length === 4 ? [d[1]!, d[2]!] : [1, 1];
  const padding = ctx.attrString('padding');
  if (padding === 'SAME') return { strides, dilations, auto_pad: 'SAME_UPPER', kernel_shape: kernel }; // TF puts the odd pixel at the end too
  if (padding === 'VALID') return { strides, dilations, pads: [0, 0, 0, 0], kernel_shape: kernel };
  if (padding === 'EXPLICIT') {
    const p = ctx.attrInts('explicit_paddings'); // [N0,N1,H0,H1,W0,W1,C0,C1]
    return { strides, dilations, pads: [p[2]!, p[4]!, p[3]!, p[5]!], kernel_shape: kernel };
  }
  return ctx.fail(`padding ${padding} is not supported`);
}

/** Conv2D filter [kh, kw, in, out] → ONNX [out, in, kh, kw]; depthwise [kh, kw, in, m] → [in·m, 1, kh, kw]. */
function convWeights(f: TfConst, depthwise: boolean): { data: Float32Array; dims: number[]; group: number } {
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  const src = f.data as Float32Array;
  const data = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const from = ((y * kw + x) * ci + i) * co + o;
          data[depthwise ? ((i * co + o) * kh + y) * kw + x : ((o * ci + i) * kh + y) * kw + x] = src[from]!;
        }
  return depthwise ? { data, dims: [ci * co, 1, kh, kw], group: ci } : { data, dims: [co, ci, kh, kw], group: 1 };
}

function conv(depthwise: boolean, fused: boolean): OpHandler {
  return (ctx, [x, filter, bias]) => {
    const f = ctx.constOf(filter!, 'filter');
    if (f.dtype !== 'float32' || f.shape.length !== 4) ctx.fail(`its filter must be a 4-D float32 constant`);
    const w = convWeights(f, depthwise);
    const inputs = [ctx.nchw(x!), ctx.g.initializer(`${filter!.const!.tfName}/oihw`, OnnxType.FLOAT, w.dims, w.data)];
    const ops = fused ? ctx.attrStrings('fused_ops') : [];
    if (fused && ctx.attrInt('num_args', 1) !== 1) ctx.fail(`num_args ${ctx.attrInt('num_args')} is not supported (1: a bias)`);
    if (fused && ops[0] !== 'BiasAdd') ctx.fail(`fused ops ${ops.join('+')} are not supported (BiasAdd first)`);
    if (fused) inputs.push(ctx.materialise(bias!));
    let y = ctx.emit1('Conv', inputs, { ...convGeometry(ctx, [f.shape[0]!, f.shape[1]!]), group: w.group });
    for (const act of ops.slice(1)) y = activation(ctx, act, y);
    return [out('float32', y, true)];
  };
}

function activation(ctx: OpContext, act: string, x: string): string {
  if (act === 'Relu') return ctx.emit1('Relu', [x]);
  if (act === 'Relu6') return ctx.emit1('Clip', [x, ctx.scalar('float32', 0), ctx.scalar('float32', 6)]);
  return ctx.fail(`fused activation ${act} is not supported (Relu, Relu6 are)`);
}

const maxPool: OpHandler = (ctx, [x]) => {
  const k = ctx.attrInts('ksize');
  if (k.length !== 4 || k[0] !== 1 || k[3] !== 1) ctx.fail(`ksize ${k.join(',')} is not supported (pooling over H and W only)`);
  return [out('float32', ctx.emit1('MaxPool', [ctx.nchw(x!)], convGeometry(ctx, [k[1]!, k[2]!])), true)];
};

/**
 * ResizeBilinear: half_pixel_centers ↔ ONNX "half_pixel" (both clamp the sample to the edge pixels),
 * align_corners ↔ "align_corners", neither ↔ "asymmetric". Only H and W are resized (Resize-18 axes).
 */
const resizeBilinear: OpHandler = (ctx, [x, size]) => {
  const mode = ctx.attrBool('align_corners') ? 'align_corners' : ctx.attrBool('half_pixel_centers') ? 'half_pixel' : 'asymmetric';
  const y = ctx.emit1('Resize', [ctx.nchw(x!), '', '', ctx.int64(size!, 'size')], { mode: 'linear', coordinate_transformation_mode: mode, axes: [2, 3] });
  return [out('float32', y, true)];
};

// --- shapes and indexing (in TF's layout) ---

const shape: OpHandler = (ctx, [x]) => {
  const type = ctx.attrTypeOr('out_type', 'int32');
  const s = ctx.emit1('Shape', [ctx.nhwc(x!)]);
  return [out(type, type === 'int32' ? ctx.toInt32(s) : s)];
};
const size: OpHandler = (ctx, [x]) => [out('int32', ctx.toInt32(ctx.emit1('Size', [ctx.nhwc(x!)])))];

const reshape: OpHandler = (ctx, [x, s]) => {
  if (s!.const && Array.from(s!.const.data).includes(0)) ctx.fail('a 0 in the new shape (ONNX would copy that dimension)');
  return [out(x!.dtype, ctx.emit1('Reshape', [ctx.nhwc(x!), ctx.int64(s!, 'shape')]))];
};

const squeeze: OpHandler = (ctx, [x]) => {
  const axes = ctx.attrInts('squeeze_dims').length ? ctx.attrInts('squeeze_dims') : ctx.attrInts('axis');
  return [out(x!.dtype, ctx.emit1('Squeeze', axes.length ? [ctx.nhwc(x!), ctx.g.int64s(axes)] : [ctx.nhwc(x!)]))];
};
const expandDims: OpHandler = (ctx, [x, dim]) => [out(x!.dtype, ctx.emit1('Unsqueeze', [ctx.nhwc(x!), ctx.g.int64s([ctx.constInt(dim!, 'axis')])]))];

/** Pack = unsqueeze each at `axis`, concatenate there (negative axes count in the output's rank either way). */
const pack: OpHandler = (ctx, inputs) => {
  const axis = ctx.attrInt('axis', 0);
  const parts = inputs.map((v) => ctx.emit1('Unsqueeze', [ctx.nhwc(v), ctx.g.int64s([axis])]));
  return [out(inputs[0]!.dtype, parts.length === 1 ? parts[0]! : ctx.emit1('Concat', parts, { axis }))];
};
/** Unpack = one Gather per slice (a scalar index drops the axis). */
const unpack: OpHandler = (ctx, [x]) => {
  const axis = ctx.attrInt('axis', 0);
  const num = ctx.attrInt('num');
  return Array.from({ length: num }, (_, i) => out(x!.dtype, ctx.emit1('Gather', [ctx.nhwc(x!), ctx.g.constant(OnnxType.INT64, [], [i])], { axis })));
};
const concat: OpHandler = (ctx, inputs) => {
  const axis = ctx.constInt(inputs.at(-1)!, 'axis');
  return [out(inputs[0]!.dtype, ctx.emit1('Concat', inputs.slice(0, -1).map((v) => ctx.nhwc(v)), { axis }))];
};
const split: OpHandler = (ctx, [dim, x]) => {
  const n = ctx.attrInt('num_split');
  return ctx.emit('Split', [ctx.nhwc(x!)], { axis: ctx.constInt(dim!, 'split dimension'), num_outputs: n }, n).map((name) => out(x!.dtype, name));
};

/**
 * StridedSlice with begin/end/new-axis/shrink masks (no ellipsis): one Slice over the input's
 * axes, Squeeze of the shrunk ones, Unsqueeze of the new ones at their output positions.
 */
const stridedSlice: OpHandler = (ctx, [x, b, e, s]) => {
  const begin = ctx.constInts(b!, 'begin');
  const end = ctx.constInts(e!, 'end');
  const strides = ctx.constInts(s!, 'strides');
  const mask = (key: string) => ctx.attrInt(key, 0);
  if (mask('ellipsis_mask')) ctx.fail('ellipsis_mask is not supported');
  const [beginMask, endMask, newMask, shrinkMask] = [mask('begin_mask'), mask('end_mask'), mask('new_axis_mask'), mask('shrink_axis_mask')];
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const squeezeAxes: number[] = [];
  const newAxes: number[] = [];
  let inAxis = 0;
  let outAxis = 0;
  for (let i = 0; i < begin.length; i++) {
    const bit = 1 << i;
    if (newMask & bit) {
      newAxes.push(outAxis++);
      continue;
    }
    const step = strides[i]!;
    if (shrinkMask & bit) {
      starts.push(begin[i]!);
      ends.push(begin[i]! === -1 ? INT_MAX : begin[i]! + 1);
      steps.push(1);
      squeezeAxes.push(inAxis);
    } else {
      starts.push(beginMask & bit ? (step > 0 ? 0 : INT_MAX) : begin[i]!);
      ends.push(endMask & bit ? (step > 0 ? INT_MAX : -INT_MAX) : end[i]!);
      steps.push(step);
      outAxis++;
    }
    axes.push(inAxis++);
  }
  let y = ctx.nhwc(x!);
  const whole = starts.every((v, i) => v === 0 && ends[i] === INT_MAX && steps[i] === 1);
  if (!whole) y = ctx.emit1('Slice', [y, ctx.g.int64s(starts), ctx.g.int64s(ends), ctx.g.int64s(axes), ctx.g.int64s(steps)]);
  if (squeezeAxes.length) y = ctx.emit1('Squeeze', [y, ctx.g.int64s(squeezeAxes)]);
  if (newAxes.length) y = ctx.emit1('Unsqueeze', [y, ctx.g.int64s(newAxes)]);
  return [out(x!.dtype, y)];
};

const gatherNd: OpHandler = (ctx, [params, indices]) => [out(params!.dtype, ctx.emit1('GatherND', [ctx.nhwc(params!), ctx.int64(indices!, 'indices')]))];
const tile: OpHandler = (ctx, [x, m]) => [out(x!.dtype, ctx.emit1('Tile', [ctx.nhwc(x!), ctx.int64(m!, 'multiples')]))];
const fill: OpHandler = (ctx, [dims, value]) => [out(value!.dtype, ctx.emit1('Expand', [ctx.nhwc(value!), ctx.int64(dims!, 'dims')]))];
const range: OpHandler = (ctx, inputs) => [out(ctx.attrTypeOr('Tidx', 'int32'), ctx.emit1('Range', inputs.map((v) => ctx.nhwc(v))))];
const select: OpHandler = (ctx, inputs) => {
  // TF1 Select with a vector condition over a matrix picks rows; ONNX Where would broadcast it over
  // columns instead. MoveNet only selects between same-shaped tensors, which both treat alike.
  return [out(inputs[1]!.dtype, ctx.emit1('Where', inputs.map((v) => ctx.nhwc(v))))];
};

function argMax(ctx: OpContext, [x, dim]: Value[]): Value[] {
  if (ctx.attrTypeOr('output_type', 'int32') !== 'int32') ctx.fail('only output_type int32 is supported');
  const y = ctx.emit1('ArgMax', [ctx.nhwc(x!)], { axis: ctx.constInt(dim!, 'dimension'), keepdims: 0 });
  return [out('int32', ctx.toInt32(y))];
}

const topK: OpHandler = (ctx, [x, k]) => {
  const [values, indices] = ctx.emit('TopK', [ctx.nhwc(x!), ctx.g.int64s([ctx.constInt(k!, 'k')])], { axis: -1, largest: 1, sorted: ctx.attrBool('sorted') ? 1 : 0 }, 2) as [string, string];
  return [out(x!.dtype, values), out('int32', ctx.toInt32(indices))];
};

/** Sum/Max/Min/Mean over constant axes (opset 18 takes the axes as an input for every reduction). */
function reduce(op: string): OpHandler {
  return (ctx, [x, axes]) => {
    const y = ctx.emit1(op, [ctx.nhwc(x!), ctx.g.int64s(ctx.constInts(axes!, 'axes'))], { keepdims: ctx.attrBool('keep_dims') ? 1 : 0 });
    return [out(x!.dtype, y)];
  };
}

export const OP_HANDLERS: Record<string, OpHandler> = {
  Identity: identity,
  Cast: cast,
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Exp: unary('Exp'),
  Abs: unary('Abs'),
  Reciprocal: unary('Reciprocal'),
  AddV2: elementwise('Add'),
  Add: elementwise('Add'),
  AddN: elementwise('Sum'),
  Sub: elementwise('Sub'),
  Mul: elementwise('Mul'),
  RealDiv: elementwise('Div'),
  Minimum: elementwise('Min'),
  Maximum: elementwise('Max'),
  Less: elementwise('Less', 'bool'),
  Greater: elementwise('Greater', 'bool'),
  GreaterEqual: elementwise('GreaterOrEqual', 'bool'),
  Equal: elementwise('Equal', 'bool'),
  LogicalAnd: elementwise('And', 'bool'),
  SquaredDifference: squaredDifference,
  FloorDiv: floorDiv,
  _FusedConv2D: conv(false, true),
  Conv2D: conv(false, false),
  FusedDepthwiseConv2dNative: conv(true, true),
  DepthwiseConv2dNative: conv(true, false),
  MaxPool: maxPool,
  ResizeBilinear: resizeBilinear,
  Shape: shape,
  Size: size,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Pack: pack,
  Unpack: unpack,
  ConcatV2: concat,
  Split: split,
  StridedSlice: stridedSlice,
  GatherNd: gatherNd,
  Tile: tile,
  Fill: fill,
  Range: range,
  Select: select,
  SelectV2: select,
  ArgMax: argMax,
  TopKV2: topK,
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
};
