// BatchNormalization folded into the Conv before it, at load: with s = scale / √(var + ε),
// W'[oc] = W[oc]·s[oc] and B'[oc] = (B[oc] − mean[oc])·s[oc] + beta[oc]. The conv then runs once on
// the kernels instead of conv + a per-channel pass. Only exact rewrites are made: the conv output
// must feed nothing but that BatchNormalization, must not be a graph output or a requested value,
// and every weight and statistic must be an initializer.
import type { OnnxModel, OnnxNode } from './graph.js';
import type { Value } from './value.js';

export interface FuseResult { model: OnnxModel; fused: number }

export function fuseBatchNorm(m: OnnxModel, keep: ReadonlySet<string> = new Set()): FuseResult {
  const consumers = new Map<string, number>();
  for (const n of m.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const graphOutputs = new Set(m.outputs.map((o) => o.name));
  const producer = new Map<string, OnnxNode>();
  for (const n of m.nodes) for (const o of n.outputs) producer.set(o, n);
  const init = new Map(m.initializers);
  const replaced = new Map<OnnxNode, OnnxNode>();
  const dropped = new Set<OnnxNode>();
  let fused = 0;
  for (const bn of m.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.slice(1).some((o) => o !== '')) continue;
    const x = bn.inputs[0];
    const conv = producer.get(x);
    if (!conv || conv.opType !== 'Conv' || replaced.has(conv) || conv.outputs.length !== 1) continue;
    if (consumers.get(x) !== 1 || graphOutputs.has(x) || keep.has(x)) continue;
    const [scale, beta, mean, variance] = bn.inputs.slice(1, 5).map((i) => init.get(i));
    const w = init.get(conv.inputs[1]);
    const b = conv.inputs[2] ? init.get(conv.inputs[2]) : undefined;
    if (!scale || !beta || !mean || !variance || !w || w.type !== 'float' || w.shape.length !== 4 || (conv.inputs[2] && !b)) continue;
    const OC = w.shape[0];
    if ([scale, beta, mean, variance].some((v) => v.type !== 'float' || v.data.length !== OC)) continue;
    const epsAttr = bn.attrs.get('epsilon');
    const eps = epsAttr && (epsAttr.kind === 'float' || epsAttr.kind === 'int') ? epsAttr.value : 1e-5;
    const per = w.data.length / OC;
    const W2 = new Float32Array(w.data.length), B2 = new Float32Array(OC);
    for (let oc = 0; oc < OC; oc++) {
      // In float64, then rounded once: closer to the unfused float32 graph than folding in float32.
      const s = scale.data[oc] / Math.sqrt(variance.data[oc] + eps);
      for (let j = 0; j < per; j++) W2[oc * per + j] = w.data[oc * per + j] * s;
      B2[oc] = ((b ? b.data[oc] : 0) - mean.data[oc]) * s + beta.data[oc];
    }
    const wName = `${conv.name}::bn_folded_W`, bName = `${conv.name}::bn_folded_B`;
    init.set(wName, { type: 'float', shape: w.shape, data: W2 } satisfies Value);
    init.set(bName, { type: 'float', shape: [OC], data: B2 } satisfies Value);
    replaced.set(conv, { ...conv, inputs: [conv.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    dropped.add(bn);
    fused++;
  }
  if (fused === 0) return { model: m, fused };
  const nodes = m.nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n);
  // Drop initializers nothing reads any more (the original conv weights and BN statistics).
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const k of [...init.keys()]) if (!used.has(k) && !graphOutputs.has(k)) init.delete(k);
  return { model: { ...m, nodes, initializers: init }, fused };
}
