import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One attribute value of a TensorFlow NodeDef, as the tfjs converter writes it to JSON. */
export interface TfAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  shape?: { dim?: { size: string }[]; unknownRank?: boolean };
  list?: { i?: string[]; s?: string[]; f?: number[]; type?: string[] };
  tensor?: unknown;
}
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}
export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; scale?: number; min?: number; original_dtype?: string };
}
interface TfSignatureEntry {
  name: string;
  dtype: string;
  tensorShape?: { dim?: { size: string }[] };
}
/** A tfjs graph model: model.json parsed plus its weight shards read into one buffer. */
export interface TfjsGraph {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: { inputs?: Record<string, TfSignatureEntry>; outputs?: Record<string, TfSignatureEntry> };
  modelTopology: { node: TfNode[]; library?: unknown; versions?: unknown };
  weightSpecs: TfWeightSpec[];
  weightData: Buffer<ArrayBuffer>;
}

/** Reads model.json and its shards (paths relative to the json, concatenated in manifest order). */
export function readTfjsGraph(jsonFile: string): TfjsGraph {
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as Omit<TfjsGraph, 'weightSpecs' | 'weightData'> & {
    weightsManifest: { paths: string[]; weights: TfWeightSpec[] }[];
  };
  if (!json.modelTopology?.node) throw new Error(`${jsonFile} is not a tfjs graph model (no modelTopology.node)`);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(path.dirname(jsonFile), p))));
  return {
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    signature: json.signature,
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: Buffer.concat(shards),
  };
}

/** A weight decoded to the values tfjs computes with (quantized weights dequantized as tfjs does). */
export interface TfConst {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
let float16Table: Float32Array | undefined;
/** Every float16 bit pattern's float32 value: decoding millions of weights is then a lookup each. */
function float16Values(): Float32Array {
  float16Table ??= Float32Array.from({ length: 65536 }, (_, h) => float16ToFloat32(h));
  return float16Table;
}

/** Every weight of the graph by name, decoded (tfjs-core io.decodeWeights does the same). */
export function decodeWeights(graph: TfjsGraph): Map<string, TfConst> {
  const out = new Map<string, TfConst>();
  const buf = graph.weightData;
  let offset = 0;
  for (const spec of graph.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    let data: Float32Array | Int32Array | Uint8Array;
    if (q) {
      const bytesPer = q.dtype === 'uint8' ? 1 : 2;
      const values = new Float32Array(size);
      const table = q.dtype === 'float16' ? float16Values() : undefined;
      for (let i = 0; i < size; i++) {
        const raw = bytesPer === 1 ? buf[offset + i]! : buf[offset + 2 * i]! | (buf[offset + 2 * i + 1]! << 8);
        values[i] = table ? table[raw]! : raw * q.scale! + q.min!;
      }
      offset += size * bytesPer;
      data = spec.dtype === 'int32' ? Int32Array.from(values, Math.round) : values;
    } else if (spec.dtype === 'float32' || spec.dtype === 'int32') {
      const copy = Buffer.from(buf.subarray(offset, offset + size * 4)); // aligned copy
      data = spec.dtype === 'float32' ? new Float32Array(copy.buffer, copy.byteOffset, size) : new Int32Array(copy.buffer, copy.byteOffset, size);
      offset += size * 4;
    } else if (spec.dtype === 'bool') {
      data = Uint8Array.from(buf.subarray(offset, offset + size));
      offset += size;
    } else {
      throw new Error(`weight ${spec.name} has dtype ${spec.dtype}, which the converter does not read`);
    }
    if (offset > buf.length) throw new Error(`weight ${spec.name} runs past the end of the weight files (${buf.length} bytes)`);
    out.set(spec.name, { dtype: spec.dtype as TfConst['dtype'], shape: spec.shape, data });
  }
  return out;
}
