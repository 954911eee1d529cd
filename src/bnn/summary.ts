// Model summary in bits (docs/methods-cil.md §1.2: Mb = 10^6 bits). Two views:
// - training (float simulation): latent weights and gains/biases are 32-bit floats;
// - deployed: 1 bit per binary weight and one 32-bit integer threshold per thresholded channel.
// The deployed summary's total equals the payload of the serialized model (format.ts), bit for bit
// up to the final byte's padding; a test holds both to that.
import type { BinaryNet } from './binaryNet.js';
import { layerFanIn, layerOutputs, type DeployedModel } from './deploy.js';

export interface LayerSummary {
  name: string;
  /** Output shape [C, H, W]. */
  output: [number, number, number];
  /** Parameter count per bit width, e.g. {1: 73728, 32: 128}. */
  params: Record<number, number>;
  bits: number;
}

export interface ModelSummary {
  view: 'training' | 'deployed';
  layers: LayerSummary[];
  /** Totals per bit width. */
  params: Record<number, number>;
  totalBits: number;
  /** totalBits / 10^6. */
  megabits: number;
}

function finish(view: ModelSummary['view'], layers: LayerSummary[]): ModelSummary {
  const params: Record<number, number> = {};
  let totalBits = 0;
  for (const l of layers) {
    for (const [b, n] of Object.entries(l.params)) params[Number(b)] = (params[Number(b)] ?? 0) + n;
    totalBits += l.bits;
  }
  return { view, layers, params, totalBits, megabits: totalBits / 1e6 };
}

function layer(name: string, output: [number, number, number], params: Record<number, number>): LayerSummary {
  const clean: Record<number, number> = {};
  let bits = 0;
  for (const [b, n] of Object.entries(params)) if (n > 0) { clean[Number(b)] = n; bits += Number(b) * n; }
  return { name, output, params: clean, bits };
}

/** Deployed view of a model: what format.ts writes and the packed engine / C export use. */
export function summarizeDeployed(m: DeployedModel): ModelSummary {
  return finish('deployed', m.layers.map((l, i) => {
    if (l.kind === 'maxpool') return layer(`${i}:maxpool${l.size}`, [l.channels, l.outH, l.outW], {});
    const outs = layerOutputs(l);
    const shape: [number, number, number] = l.kind === 'conv' ? [l.outChannels, l.outH, l.outW] : [outs, 1, 1];
    const name = l.kind === 'conv' ? `${i}:conv${l.kernel}x${l.kernel}${l.groups > 1 ? `/g${l.groups}` : ''}` : `${i}:${l.kind}`;
    return layer(name, shape, { 1: outs * layerFanIn(l), 32: l.kind === 'output' ? 0 : outs });
  }));
}

/** Training view: the float simulation's parameters (latent weights, gains, biases) at 32 bits each. */
export function summarizeNet(net: BinaryNet): ModelSummary {
  return finish('training', net.stages.map((s, i) => {
    if (s.kind === 'maxpool') return layer(`${i}:maxpool${s.size}`, s.outShape, {});
    const w = s.kind === 'conv' ? s.conv.weight.size : s.dense.weight.size;
    const act = s.kind === 'output' ? 0 : s.act.learnable ? 2 * s.act.channels : 0;
    return layer(`${i}:${s.kind}`, s.outShape, { 32: w + act });
  }));
}

/** A fixed-width text table of a summary. */
export function formatSummary(s: ModelSummary): string {
  const widths = [...new Set(s.layers.flatMap((l) => Object.keys(l.params).map(Number)))].sort((a, b) => a - b);
  const head = ['layer', 'output', ...widths.map((b) => `${b}-bit params`), 'bits'];
  const rows = s.layers.map((l) => [l.name, l.output.join('×'), ...widths.map((b) => String(l.params[b] ?? 0)), String(l.bits)]);
  rows.push(['total', '', ...widths.map((b) => String(s.params[b] ?? 0)), String(s.totalBits)]);
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j < 2 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ');
  return [`${s.view} model`, line(head), ...rows.map(line), `memory: ${s.totalBits} bits = ${s.megabits.toFixed(6)} Mb (Mb = 10^6 bits)`].join('\n');
}
