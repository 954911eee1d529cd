// Export of bitspike float models to ONNX (opset 17): nn layers (Sequential, Linear, Conv2d,
// BatchNorm, ReLU, max/global pooling, Flatten, ResNet basic blocks) and CIL learners (encoder,
// binarizer, trunk, head; an imported ONNX encoder is inlined up to its cut). Binary parts export
// their float simulation: sign activations become Sign nodes (sign(0) = +1 as in bitspike, written
// Sign(Sign(x) + 0.5)) and binary weights their ±1 values. The packed C export (bitspike bnn export)
// stays the deployment path for binary networks; this is for interchange and checking.
import { steSign } from '../bnn/quantizers.js';
import { GrowingBinaryHead, GrowingHead } from '../cil/backbones/head.js';
import { OnnxImageEncoder } from '../cil/backbones/onnx.js';
import { ResnetFeatures } from '../cil/backbones/resnet.js';
import { CilNet } from '../cil/model.js';
import { Binarizer } from '../gbm/binarizers.js';
import { BatchNorm, Conv2d, Linear, MaxPool2d } from '../nn/layers.js';
import { BasicBlock } from '../nn/models.js';
import { Lambda, Sequential, type Module } from '../nn/module.js';
import type { Pair } from '../engine/ops/conv.js';
import { OnnxEncoder } from './encoder.js';
import { OnnxError } from './errors.js';
import type { Attr, OnnxNode } from './graph.js';
import { loadOnnx } from './model.js';
import { OnnxPlan } from './plan.js';
import { AttributeType, DataType, encodeModel, type AttributeMsg, type ModelMsg, type NodeMsg, type TensorMsg } from './proto.js';
import type { Value } from './value.js';

export const EXPORT_OPSET = 17;

export interface ExportOptions {
  /** Shape of one sample (no batch): [C, H, W] for images, [D] for rows. CIL learners: [inputDim]. */
  inputShape: readonly number[];
  inputName?: string;
  outputName?: string;
  /** ModelProto.doc_string. */
  doc?: string;
}

type AttrValue = { i: number } | { f: number } | { ints: readonly number[] } | { s: string };

function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorMsg {
  const raw = new Uint8Array(4 * data.length), dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

function intTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorMsg {
  const raw = new Uint8Array(8 * data.length), dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setBigInt64(8 * i, BigInt(data[i]), true);
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: raw };
}

const valueTensor = (name: string, v: Value): TensorMsg => (v.type === 'float' ? floatTensor(name, v.shape, v.data as Float32Array) : intTensor(name, v.shape, v.data));

const pair = (v: Pair | undefined, def: number): [number, number] => (v === undefined ? [def, def] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private count = 0;

  fresh(prefix: string): string { return `${prefix}_${this.count++}`; }

  weight(prefix: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(prefix);
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  ints(prefix: string, values: readonly number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push(intTensor(name, [values.length], values));
    return name;
  }

  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    const out = this.fresh(op.toLowerCase());
    const attribute: AttributeMsg[] = Object.entries(attrs).map(([name, a]) => {
      if ('i' in a) return { name, type: AttributeType.INT, i: a.i };
      if ('f' in a) return { name, type: AttributeType.FLOAT, f: a.f };
      if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
    });
    this.nodes.push({ name: out, opType: op, input: [...inputs], output: [out], attribute });
    return out;
  }

  /** sign with sign(0) = +1 (bitspike's convention; ONNX Sign(0) = 0). */
  signPlusOne(x: string): string {
    const half = this.weight('half', [], Float32Array.of(0.5));
    return this.node('Sign', [this.node('Add', [this.node('Sign', [x]), half])]);
  }

  /** [N, H·W·C] pixel rows → [N, C, H, W]. */
  nhwcToNchw(x: string, g: { height: number; width: number; channels: number }): string {
    const r = this.node('Reshape', [x, this.ints('shape', [-1, g.height, g.width, g.channels])]);
    return this.node('Transpose', [r], { perm: { ints: [0, 3, 1, 2] } });
  }
}

function emit(b: GraphBuilder, m: Module, x: string): string {
  if (m instanceof CilNet) return emit(b, m.head, emit(b, m.trunk, emit(b, m.encoder, x)));
  if (m instanceof Sequential) return m.layers.reduce((h, l) => emit(b, l, h), x);
  if (m instanceof Linear) {
    return b.node('Gemm', [x, b.weight('W', m.weight.shape, m.weight.f32), ...(m.bias ? [b.weight('B', m.bias.shape, m.bias.f32)] : [])], { transB: { i: 1 } });
  }
  if (m instanceof Conv2d) {
    const [kh, kw] = m.weight.shape.slice(2), [ph, pw] = pair(m.opts.padding, 0);
    return b.node('Conv', [x, b.weight('W', m.weight.shape, m.weight.f32), ...(m.bias ? [b.weight('B', m.bias.shape, m.bias.f32)] : [])], {
      kernel_shape: { ints: [kh, kw] }, strides: { ints: pair(m.opts.stride, 1) }, dilations: { ints: pair(m.opts.dilation, 1) },
      pads: { ints: [ph, pw, ph, pw] }, group: { i: m.opts.groups ?? 1 },
    });
  }
  if (m instanceof BatchNorm) {
    const C = m.cfg.channels;
    return batchNormNode(b, x, m.gamma?.f32 ?? new Float32Array(C).fill(1), m.beta?.f32 ?? new Float32Array(C), m.runningMean, m.runningVar, m.cfg.eps ?? 1e-5);
  }
  if (m instanceof MaxPool2d) {
    const k = pair(m.opts.kernel, 1), [ph, pw] = pair(m.opts.padding, 0);
    const attrs: Record<string, AttrValue> = { kernel_shape: { ints: k }, strides: { ints: pair(m.opts.stride ?? m.opts.kernel, 1) }, pads: { ints: [ph, pw, ph, pw] } };
    return b.node('MaxPool', [x], attrs);
  }
  if (m instanceof BasicBlock) {
    const y = emit(b, m.b, emit(b, m.a, x));
    return b.node('Relu', [b.node('Add', [y, m.shortcut ? emit(b, m.shortcut, x) : x])]);
  }
  if (m instanceof ResnetFeatures) {
    const h = emit(b, m.body, b.nhwcToNchw(x, m.geometry));
    return b.node('Flatten', [b.node('GlobalAveragePool', [h])], { axis: { i: 1 } });
  }
  if (m instanceof Binarizer) {
    const F = m.features, T = m.levels;
    const h = batchNormNode(b, x, m.norm.gamma.f32, m.norm.beta.f32, m.norm.runningMean, m.norm.runningVar, 1e-5);
    // z[n, d·T + j] = sign(h[n, d] − θ[d, j]): [N, F, 1] − [F, T] → [N, F, T] → [N, F·T].
    const th = b.weight('thresholds', [F, T], m.thresholds.f32);
    const diff = b.node('Sub', [b.node('Unsqueeze', [h, b.ints('axes', [2])]), th]);
    return b.signPlusOne(b.node('Flatten', [diff], { axis: { i: 1 } }));
  }
  if (m instanceof GrowingHead) return b.node('Gemm', [x, b.weight('W', m.weight.shape, m.weight.f32), b.weight('B', m.bias.shape, m.bias.f32)], { transB: { i: 1 } });
  if (m instanceof GrowingBinaryHead) {
    const q = steSign(), W = m.weight.f32.map((v) => q.value(v));
    return b.node('Gemm', [x, b.weight('W', m.weight.shape, W)], { transB: { i: 1 }, alpha: { f: m.outputScale } });
  }
  if (m instanceof OnnxImageEncoder) return emit(b, m.onnx, m.sampleShape.length === 1 ? x : b.nhwcToNchw(x, m.geometry));
  if (m instanceof OnnxEncoder) return b.node('Flatten', [inlineGraph(b, m, x)], { axis: { i: 1 } });
  if (m instanceof Lambda) {
    switch (m.label) {
      case 'ReLU': return b.node('Relu', [x]);
      case 'Flatten': return b.node('Flatten', [x], { axis: { i: 1 } });
      case 'GlobalAvgPool2d': return b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: { i: 1 } });
      case 'SignSte': return b.signPlusOne(x);
    }
  }
  throw new OnnxError(`ONNX export: ${m.constructor.name}${m instanceof Lambda ? ` '${m.label}'` : ''} is not exportable ` +
    '(supported: Sequential, Linear, Conv2d, BatchNorm, ReLU, max/global pooling, Flatten, ResNet blocks, CIL learners with mlp, resnet or onnx backbones; ' +
    'binary FBNN networks deploy through `bitspike bnn export`)');
}

function batchNormNode(b: GraphBuilder, x: string, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): string {
  const C = gamma.length;
  return b.node('BatchNormalization', [x, b.weight('bn_scale', [C], gamma), b.weight('bn_B', [C], beta), b.weight('bn_mean', [C], mean), b.weight('bn_var', [C], variance)],
    { epsilon: { f: eps } });
}

function attrMsg(name: string, a: Attr): AttributeMsg {
  switch (a.kind) {
    case 'float': return { name, type: AttributeType.FLOAT, f: a.value };
    case 'int': return { name, type: AttributeType.INT, i: a.value };
    case 'string': return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
    case 'floats': return { name, type: AttributeType.FLOATS, floats: a.value };
    case 'ints': return { name, type: AttributeType.INTS, ints: a.value };
    case 'strings': return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: AttributeType.TENSOR, t: valueTensor('', a.value) };
  }
}

/** Copies the imported graph's nodes up to the cut (BatchNormalization already folded), renamed under a fresh prefix. */
function inlineGraph(b: GraphBuilder, enc: OnnxEncoder, x: string): string {
  const m = enc.runner.model, cut = enc.cut.value, prefix = b.fresh('onnx');
  const producer = new Map<string, OnnxNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  const needed = new Set<OnnxNode>(), stack = [cut], seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producer.get(v);
    if (p && !needed.has(p)) { needed.add(p); stack.push(...p.inputs.filter((i) => i !== '')); }
  }
  const rename = (v: string) => (v === '' ? '' : v === m.inputs[0].name ? x : `${prefix}/${v}`);
  for (const v of seen) {
    const init = m.initializers.get(v);
    if (init) b.initializers.push(valueTensor(rename(v), init));
  }
  for (const n of m.nodes) {
    if (!needed.has(n)) continue;
    b.nodes.push({
      name: `${prefix}/${n.name}`, opType: n.opType, input: n.inputs.map(rename), output: n.outputs.map(rename),
      attribute: [...n.attrs].map(([k, a]) => attrMsg(k, a)),
    });
  }
  return rename(cut);
}

/** Serializes `m` (evaluated as in eval mode) as an ONNX model with a symbolic batch dimension. */
export function exportOnnx(m: Module, opts: ExportOptions): Uint8Array {
  const b = new GraphBuilder();
  const input = opts.inputName ?? 'input', output = opts.outputName ?? 'output';
  const y = emit(b, m, input);
  b.nodes.push({ name: 'output', opType: 'Identity', input: [y], output: [output] });
  const msg: ModelMsg = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: EXPORT_OPSET }],
    producerName: 'bitspike',
    docString: opts.doc ?? '',
    graph: {
      name: 'bitspike',
      node: b.nodes,
      initializer: b.initializers,
      input: [{ name: input, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...opts.inputShape.map((d) => ({ dimValue: d }))] } } } }],
      output: [{ name: output, type: { tensorType: { elemType: DataType.FLOAT } } }],
    },
  };
  // The output's shape (required by ONNX checkers) from planning the exported graph itself: this
  // also checks every exported node before the file is written.
  const model = loadOnnx(encodeModel(msg), { source: 'exported model' });
  const shape = new OnnxPlan(model, input, [1, ...opts.inputShape], [output]).shapes.get(output)!;
  msg.graph!.output![0].type!.tensorType!.shape = { dim: [{ dimParam: 'batch' }, ...shape.slice(1).map((d) => ({ dimValue: d }))] };
  return encodeModel(msg);
}
