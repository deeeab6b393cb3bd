import { decodeWeights, type TfjsGraph, type TfNode } from '../tfjs-graph.ts';
import { GraphBuilder } from './builder.ts';
import { ConversionError, ONNX_TYPE, OpContext, type Dtype, type Value } from './context.ts';
import { OP_HANDLERS } from './ops.ts';
import { encodeModel } from './proto.ts';

/** Opset 18: Resize and the reductions take their axes the way the handlers write them. */
export const OPSET = 18;
/** Written into each model; bump it when a change to the converter changes its output bytes. */
export const CONVERTER_VERSION = '1';

export interface ConvertOptions {
  /** Side of the square input, for graphs whose input height and width are open (-1). */
  inputSize?: number;
  /** Text saved in the model's doc_string (where it came from). */
  description?: string;
}

/** `name:1` → [name, 1]; control inputs (`^name`) are not data. */
function parseRef(ref: string): [string, number] {
  const m = /^(.*?)(?::(\d+))?$/.exec(ref)!;
  return [m[1]!, Number(m[2] ?? 0)];
}

/** The nodes the outputs depend on, each after its inputs (tfjs JSON is usually ordered, not always). */
function topologicalOrder(nodes: Map<string, TfNode>, outputs: string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`the graph has a cycle through node "${name}"`);
    const node = nodes.get(name);
    if (!node) throw new Error(`the graph refers to node "${name}", which it does not define`);
    state.set(name, 'visiting');
    for (const ref of node.input ?? []) if (!ref.startsWith('^')) visit(parseRef(ref)[0]);
    state.set(name, 'done');
    order.push(node);
  };
  for (const o of outputs) visit(o);
  return order;
}

function signatureNames(entries: Record<string, { name: string }> | undefined, fallback: string): string[] {
  const names = Object.values(entries ?? {}).map((e) => parseRef(e.name)[0]);
  return names.length ? names : [fallback];
}

/** Every op type the graph uses (what a converter must cover), with how often. */
export function listOps(graph: TfjsGraph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of graph.modelTopology.node) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}

/**
 * Converts a tfjs graph model to the bytes of an ONNX model (opset 18) that computes the same
 * outputs from the same input (here: int32 NHWC image → MoveNet's output). Weights are
 * dequantized exactly as tfjs does, so both runtimes compute with the same float32 values.
 * A node the converter does not know is a ConversionError naming it: nothing is approximated.
 */
export function tfjsGraphToOnnx(graph: TfjsGraph, opts: ConvertOptions = {}): Uint8Array {
  const nodes = new Map(graph.modelTopology.node.map((n) => [n.name, n]));
  const weights = decodeWeights(graph);
  const inputNames = signatureNames(graph.signature?.inputs, 'input');
  const outputNames = signatureNames(graph.signature?.outputs, 'Identity');
  const g = new GraphBuilder();
  const values = new Map<string, Value>(); // "node:index" → value
  const transposed = new Map<string, string>();
  const graphInputs: { name: string; dtype: Dtype; dims: number[] }[] = [];

  for (const node of topologicalOrder(nodes, outputNames)) {
    let results: Value[];
    if (node.op === 'Const') {
      const c = weights.get(node.name);
      if (!c) throw new ConversionError(node, 'its value is not in the weight files');
      results = [{ dtype: c.dtype, nchw: false, const: { ...c, tfName: node.name } }];
    } else if (node.op === 'Placeholder') {
      if (!inputNames.includes(node.name)) throw new ConversionError(node, 'a placeholder that is not a signature input');
      const ctx = new OpContext(g, node, transposed);
      const dtype = ctx.attrType('dtype');
      const dims = (node.attr?.shape?.shape?.dim ?? []).map((d, i) => {
        const size = Number(d.size);
        if (size >= 0) return size;
        if (i === 0) return 1; // one frame at a time
        if (opts.inputSize) return opts.inputSize;
        throw new ConversionError(node, `dimension ${i} is open; give ConvertOptions.inputSize`);
      });
      const name = g.unique(node.name);
      graphInputs.push({ name, dtype, dims });
      results = [{ dtype, nchw: false, name }];
    } else {
      const handler = OP_HANDLERS[node.op];
      if (!handler) throw new ConversionError(node, `op ${node.op} is not supported; the converter knows ${Object.keys(OP_HANDLERS).sort().join(', ')}`);
      const inputs = (node.input ?? [])
        .filter((r) => !r.startsWith('^'))
        .map((ref) => {
          const [n, i] = parseRef(ref);
          return values.get(`${n}:${i}`) ?? (() => { throw new ConversionError(node, `input ${ref} has no value`); })();
        });
      results = handler(new OpContext(g, node, transposed), inputs);
    }
    results.forEach((v, i) => values.set(`${node.name}:${i}`, v));
  }

  const outputs = outputNames.map((name) => {
    const v = values.get(`${name}:0`)!;
    const ctx = new OpContext(g, nodes.get(name)!, transposed);
    const final = g.unique(`${name}/output`);
    g.node('Identity', [ctx.nhwc(v)], {}, [final], `${name}/output`);
    return { name: final, dtype: v.dtype, shape: graph.signature?.outputs ? Object.values(graph.signature.outputs).find((e) => parseRef(e.name)[0] === name)?.tensorShape : undefined };
  });

  return encodeModel({
    producerName: 'pose-coach tfjs-to-onnx',
    producerVersion: CONVERTER_VERSION,
    docString: opts.description ?? (graph.generatedBy ? `converted from ${graph.generatedBy}` : ''),
    opset: OPSET,
    graph: {
      name: 'main',
      node: g.nodes,
      initializer: g.initializers,
      input: graphInputs.map((i) => ({ name: i.name, elemType: ONNX_TYPE[i.dtype], dims: i.dims })),
      output: outputs.map((o) => ({ name: o.name, elemType: ONNX_TYPE[o.dtype], dims: o.shape?.dim?.map((d) => Number(d.size)) })),
    },
  });
}
