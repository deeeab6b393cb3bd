import type { TfConst, TfNode } from '../tfjs-graph.ts';
import type { GraphBuilder } from './builder.ts';
import { OnnxType, type OnnxTypeCode } from './proto.ts';

export type Dtype = 'float32' | 'int32' | 'bool';

/**
 * A TensorFlow tensor as the converter holds it. Convolutions run in ONNX's NCHW layout, TF graphs
 * are NHWC: a 4-D tensor coming out of a convolution stays NCHW (`nchw`) through element-wise ops
 * and the next convolution, and is transposed back only when an op needs TF's own layout. That
 * keeps the backbone free of transposes without relying on the runtime to remove them.
 */
export interface Value {
  dtype: Dtype;
  nchw: boolean;
  /** ONNX value name; absent for a constant not yet written as an initializer. */
  name?: string;
  /** Known value (TF Const nodes): ops that need a value at conversion time read it here. */
  const?: TfConst & { tfName: string };
}

export const ONNX_TYPE: Record<Dtype, OnnxTypeCode> = { float32: OnnxType.FLOAT, int32: OnnxType.INT32, bool: OnnxType.BOOL };

const TF_DTYPE: Record<string, Dtype> = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool' };

/** A graph the converter cannot translate faithfully: names the node and the reason. */
export class ConversionError extends Error {
  override name = 'ConversionError';
  constructor(node: TfNode, problem: string) {
    super(`cannot convert node "${node.name}" (${node.op}): ${problem}`);
  }
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** What an op handler gets: the node being converted and helpers to emit ONNX for it. */
export class OpContext {
  constructor(
    readonly g: GraphBuilder,
    readonly node: TfNode,
    private readonly transposed: Map<string, string>,
  ) {}

  fail(problem: string): never {
    throw new ConversionError(this.node, problem);
  }

  /** Emits a node named after the TF node; returns its outputs. */
  emit(op: string, inputs: string[], attrs: Parameters<GraphBuilder['node']>[2] = {}, outputs = 1): string[] {
    return this.g.node(op, inputs, attrs, outputs, `${this.node.name}/${op}`);
  }
  emit1(op: string, inputs: string[], attrs: Parameters<GraphBuilder['node']>[2] = {}): string {
    return this.emit(op, inputs, attrs, 1)[0]!;
  }

  // --- attributes ---
  attrInt(key: string, fallback?: number): number {
    const a = this.node.attr?.[key];
    if (a?.i !== undefined) return Number(a.i);
    if (fallback !== undefined) return fallback;
    return this.fail(`attribute ${key} is missing`);
  }
  attrInts(key: string): number[] {
    return (this.node.attr?.[key]?.list?.i ?? []).map(Number);
  }
  attrBool(key: string): boolean {
    return this.node.attr?.[key]?.b ?? false;
  }
  attrString(key: string): string | undefined {
    const s = this.node.attr?.[key]?.s;
    return s === undefined ? undefined : Buffer.from(s, 'base64').toString();
  }
  attrStrings(key: string): string[] {
    return (this.node.attr?.[key]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
  }
  attrType(key: string): Dtype {
    const t = this.node.attr?.[key]?.type;
    if (t === undefined) return this.fail(`attribute ${key} is missing`);
    return TF_DTYPE[t] ?? this.fail(`type ${t} is not supported (float32, int32 and bool are)`);
  }
  /** The element type of the node's `T` attribute, if it has one. */
  attrTypeOr(key: string, fallback: Dtype): Dtype {
    return this.node.attr?.[key]?.type === undefined ? fallback : this.attrType(key);
  }
  /** Refuses a data_format other than NHWC, the only one tfjs graph models use. */
  requireNhwc(): void {
    const f = this.attrString('data_format');
    if (f !== undefined && f !== 'NHWC') this.fail(`data_format ${f} is not supported (NHWC is)`);
  }

  // --- constants ---
  /** The value of an input that must be known at conversion time (an axis, a shape). */
  constOf(v: Value, what: string): TfConst {
    return v.const ?? this.fail(`its ${what} must be a constant`);
  }
  constInts(v: Value, what: string): number[] {
    const c = this.constOf(v, what);
    if (c.dtype !== 'int32') this.fail(`its ${what} must be int32`);
    return Array.from(c.data as Int32Array);
  }
  constInt(v: Value, what: string): number {
    const values = this.constInts(v, what);
    if (values.length !== 1) this.fail(`its ${what} must be a single number, got ${values.length}`);
    return values[0]!;
  }

  // --- layouts ---
  /** The ONNX name of a value in TF's own layout (NHWC for 4-D). */
  nhwc(v: Value): string {
    if (!v.nchw) return this.materialise(v);
    return this.transpose(v.name!, NCHW_TO_NHWC, '/nhwc');
  }
  /** The ONNX name of a value in NCHW layout (constants of rank ≤ 4 are broadcast-padded and transposed). */
  nchw(v: Value): string {
    if (v.nchw) return v.name!;
    if (v.const) {
      const c = v.const;
      const size = c.shape.reduce((a, b) => a * b, 1);
      if (size === 1) return this.materialise(v); // a scalar broadcasts the same either way
      if (c.shape.length > 4) this.fail(`constant ${c.tfName} of rank ${c.shape.length} cannot meet an NCHW tensor`);
      const cached = this.transposed.get(`${c.tfName}/nchw`);
      if (cached) return cached;
      const [n, h, w, ch] = [...Array(4 - c.shape.length).fill(1), ...c.shape] as [number, number, number, number];
      const out = new (c.data.constructor as Float32ArrayConstructor)(size);
      for (let a = 0; a < n; a++)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < ch; k++) out[((a * ch + k) * h + y) * w + x] = c.data[((a * h + y) * w + x) * ch + k]!;
      const name = this.g.initializer(`${c.tfName}/nchw`, ONNX_TYPE[c.dtype], [n, ch, h, w], out);
      this.transposed.set(`${c.tfName}/nchw`, name);
      return name;
    }
    return this.transpose(v.name!, NHWC_TO_NCHW, '/nchw');
  }
  /** True when these operands can meet in NCHW: one of them is NCHW and the others are NCHW or small constants. */
  preferNchw(values: Value[]): boolean {
    return values.some((v) => v.nchw) && values.every((v) => v.nchw || (v.const && v.const.shape.length <= 4));
  }
  in(v: Value, nchw: boolean): string {
    return nchw ? this.nchw(v) : this.nhwc(v);
  }

  /** Writes a constant as an initializer the first time an op needs it as a tensor. */
  materialise(v: Value): string {
    if (v.name) return v.name;
    const c = v.const!;
    v.name = this.g.initializer(c.tfName, ONNX_TYPE[c.dtype], c.shape, c.data);
    return v.name;
  }

  private transpose(name: string, perm: number[], suffix: string): string {
    const key = name + suffix;
    let out = this.transposed.get(key);
    if (!out) {
      out = this.g.node('Transpose', [name], { perm }, 1, key)[0]!;
      this.transposed.set(key, out);
    }
    return out;
  }

  // --- int64 operands ONNX wants for shapes, axes and indices ---
  int64(v: Value, what: string): string {
    if (v.const) {
      if (v.const.dtype !== 'int32') this.fail(`its ${what} must be int32`);
      return this.g.constant(OnnxType.INT64, v.const.shape, Array.from(v.const.data as Int32Array));
    }
    if (v.dtype !== 'int32') this.fail(`its ${what} must be int32, got ${v.dtype}`);
    return this.emit1('Cast', [this.nhwc(v)], { to: OnnxType.INT64 });
  }
  /** An ONNX int64 result (Shape, ArgMax, TopK indices) brought back to TF's int32. */
  toInt32(name: string): string {
    return this.emit1('Cast', [name], { to: OnnxType.INT32 });
  }
  scalar(dtype: Dtype, value: number): string {
    return this.g.constant(ONNX_TYPE[dtype], [], [value]);
  }
}
