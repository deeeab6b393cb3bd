import { AttrType, OnnxType, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxTypeCode } from './proto.ts';

/** An attribute value as the converter writes it: integers, lists of integers, floats, strings. */
export type AttrValue = number | number[] | string | { float: number };

function attribute(name: string, v: AttrValue): OnnxAttribute {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if (typeof v === 'object') return { name, type: AttrType.FLOAT, f: v.float };
  if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (wrap floats as {float})`);
  return { name, type: AttrType.INT, i: v };
}

type Typed = Float32Array | Int32Array | Uint8Array | BigInt64Array;

function rawBytes(data: Typed): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/**
 * Collects ONNX nodes and initializers with unique names. Nodes are appended in the order they
 * are emitted, which the converter keeps topological.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken = new Set<string>();
  private readonly constCache = new Map<string, string>();

  /** `base`, or `base_2`, `base_3`… if taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Emits one node; returns the names of its outputs (`outputs` names them, or says how many). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs: number | string[] = 1, hint = opType): string[] {
    const name = this.unique(hint);
    const out = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`)) : outputs;
    for (const o of out) this.taken.add(o);
    const attrList = Object.entries(attrs)
      .filter((e): e is [string, AttrValue] => e[1] !== undefined)
      .map(([k, v]) => attribute(k, v));
    this.nodes.push({ name, opType, input: inputs, output: out, attribute: attrList });
    return out;
  }

  /** Adds an initializer (a constant tensor); returns its name. */
  initializer(base: string, dataType: OnnxTypeCode, dims: number[], data: Typed): string {
    const name = this.unique(base);
    this.initializers.push({ name, dataType, dims, rawData: rawBytes(data) });
    return name;
  }

  /** A small constant shared by every node that needs the same value (axes, shapes, 0, 6…). */
  constant(dataType: OnnxTypeCode, dims: number[], values: number[]): string {
    const key = `${dataType}/${dims.join('x')}/${values.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      const data =
        dataType === OnnxType.INT64
          ? BigInt64Array.from(values.map(BigInt))
          : dataType === OnnxType.INT32
            ? Int32Array.from(values)
            : dataType === OnnxType.FLOAT
              ? Float32Array.from(values)
              : Uint8Array.from(values);
      name = this.initializer(`const_${this.constCache.size}`, dataType, dims, data);
      this.constCache.set(key, name);
    }
    return name;
  }

  /** 1-D int64 constant (shapes, axes, indices). */
  int64s(values: number[]): string {
    return this.constant(OnnxType.INT64, [values.length], values);
  }
}
