// Deployment conversion (LCE/FINN-style passes): latent weights → sign bits, ScaledSign → one
// integer threshold per channel, dense weights permuted to the channels-last order that packed
// feature maps use. The result is a plain, layout-neutral description: every weight tensor is one
// contiguous LSB-first bit stream in canonical order, and every channel fires iff its integer
// pre-activation y ≥ threshold.
//
// Exactness: a binary layer's pre-activation y is a sum of fanIn ±1 products (−1 padding keeps the
// count fixed), so y ∈ {−K, −K+2, …, K}. For each channel we evaluate the float32 decision of the
// simulation (preActivation + quantizer) at every reachable y. It is monotone in y (rounding is
// monotone); a decreasing channel (negative gain) is turned into an increasing one by flipping that
// channel's weight bits (y → −y). The fold is then re-checked on every reachable value, so the
// packed network decides exactly as the float simulation does.
import { sign32 } from '../engine/bits.js';
import type { BinaryNet } from './binaryNet.js';
import { encodedChannels, inputThresholds, type InputSpec } from './inputEncoding.js';
import { preActivation } from './scaledSign.js';
import type { Quantizer } from './quantizers.js';

export const DEPLOYED_FORMAT_VERSION = 1;

/** Binary conv: weights in canonical order (oc, kh, kw, c within the group); fires iff y ≥ thresholds[oc]. */
export interface DeployedConv {
  kind: 'conv';
  inChannels: number; outChannels: number; kernel: number; stride: number; padding: number; groups: number;
  inH: number; inW: number; outH: number; outW: number;
  weights: Uint32Array;
  thresholds: Int32Array;
}

/** OR of bits over size×size windows (max-pool of ±1 values). */
export interface DeployedMaxPool {
  kind: 'maxpool';
  channels: number; size: number; inH: number; inW: number; outH: number; outW: number;
}

/** Binary dense over the flattened input in channels-last order (h, w, c); fires iff y ≥ thresholds[u]. */
export interface DeployedDense {
  kind: 'dense';
  inChannels: number; inH: number; inW: number; units: number;
  weights: Uint32Array;
  thresholds: Int32Array;
}

/** Output layer: integer scores y, prediction = first index of the maximum. */
export interface DeployedOutput {
  kind: 'output';
  inChannels: number; inH: number; inW: number; classes: number;
  weights: Uint32Array;
}

export type DeployedLayer = DeployedConv | DeployedMaxPool | DeployedDense | DeployedOutput;

export interface DeployedModel {
  version: number;
  input: InputSpec & { thresholds: number[] };
  classes: number;
  layers: DeployedLayer[];
}

/** Number of ±1 products per output of a weight-bearing layer. */
export function layerFanIn(l: DeployedConv | DeployedDense | DeployedOutput): number {
  return l.kind === 'conv' ? (l.inChannels / l.groups) * l.kernel * l.kernel : l.inChannels * l.inH * l.inW;
}

export function layerOutputs(l: DeployedConv | DeployedDense | DeployedOutput): number {
  return l.kind === 'conv' ? l.outChannels : l.kind === 'dense' ? l.units : l.classes;
}

/** Words of a contiguous bit stream of `bits` bits. */
export const streamWords = (bits: number): number => Math.ceil(bits / 32);

export interface FoldedThreshold { threshold: number; flip: boolean }

/**
 * The integer rule equivalent to q(preActivation(y, scale, gain, bias)) over y ∈ {−K, −K+2, …, K}:
 * fires iff (flip ? −y : y) ≥ threshold. Verified on every reachable y; throws if not foldable.
 */
export function foldThreshold(K: number, scale: number, gain: number, bias: number, q: Quantizer, where = 'foldThreshold'): FoldedThreshold {
  const fires = (y: number) => q.value(preActivation(y, scale, gain, bias)) === 1;
  let firstOn = Infinity, lastOn = -Infinity, count = 0;
  for (let y = -K; y <= K; y += 2) if (fires(y)) { count++; if (firstOn === Infinity) firstOn = y; lastOn = y; }
  const n = K + 1;
  let rule: FoldedThreshold;
  if (count === 0) rule = { threshold: K + 1, flip: false };
  else if (count === n) rule = { threshold: -K, flip: false };
  else if (lastOn === K) rule = { threshold: firstOn, flip: false };
  else if (firstOn === -K) rule = { threshold: -lastOn, flip: true };
  else throw new Error(`${where}: activation is not monotone in the pre-activation (fires on [${firstOn}, ${lastOn}] of [${-K}, ${K}])`);
  for (let y = -K; y <= K; y += 2) {
    if (((rule.flip ? -y : y) >= rule.threshold) !== fires(y)) {
      throw new Error(`${where}: folded threshold disagrees with the float decision at y=${y} (gain=${gain}, bias=${bias})`);
    }
  }
  return rule;
}

/** Packs the signs of `values` (taken in the order produced by `index`) into a contiguous bit stream. */
function packStream(count: number, valueAt: (j: number) => number): Uint32Array {
  const out = new Uint32Array(streamWords(count));
  for (let j = 0; j < count; j++) if (sign32(valueAt(j))) out[j >>> 5] |= 1 << (j & 31);
  return out;
}

/** Converts a trained float simulation to its integer/bit deployment form. */
export function deploy(net: BinaryNet): DeployedModel {
  const layers: DeployedLayer[] = [];
  net.stages.forEach((s, i) => {
    const [C, H, W] = s.inShape;
    const [OC, OH, OWd] = s.outShape;
    if (s.kind === 'maxpool') {
      layers.push({ kind: 'maxpool', channels: C, size: s.size, inH: H, inW: W, outH: OH, outW: OWd });
      return;
    }
    if (s.kind === 'conv') {
      const { conv, act } = s;
      const k = conv.kernel, cg = C / conv.groups, K = conv.fanIn, w = conv.weight.f32;
      const folds = foldAll(act.channels, K, act, `stage ${i} (conv)`);
      // canonical (oc, kh, kw, c) from the simulation's [oc, c, kh, kw]
      const weights = packStream(OC * K, (j) => {
        const oc = Math.floor(j / K), r = j % K, kh = Math.floor(r / (k * cg)), kw = Math.floor(r / cg) % k, c = r % cg;
        const v = w[((oc * cg + c) * k + kh) * k + kw];
        return folds[oc].flip ? -signValue(v) : signValue(v);
      });
      layers.push({
        kind: 'conv', inChannels: C, outChannels: OC, kernel: k, stride: conv.stride, padding: conv.padding, groups: conv.groups,
        inH: H, inW: W, outH: OH, outW: OWd, weights, thresholds: Int32Array.from(folds, (f) => f.threshold),
      });
      return;
    }
    const { dense } = s;
    const K = dense.fanIn, w = dense.weight.f32, units = dense.outFeatures;
    const folds = s.kind === 'dense' ? foldAll(units, K, s.act, `stage ${i} (dense)`) : null;
    // canonical input order (h, w, c) from the simulation's flatten order (c, h, w)
    const weights = packStream(units * K, (j) => {
      const u = Math.floor(j / K), r = j % K, h = Math.floor(r / (W * C)), x = Math.floor(r / C) % W, c = r % C;
      const v = signValue(w[u * K + (c * H + h) * W + x]);
      return folds?.[u].flip ? -v : v;
    });
    if (s.kind === 'dense') layers.push({ kind: 'dense', inChannels: C, inH: H, inW: W, units, weights, thresholds: Int32Array.from(folds!, (f) => f.threshold) });
    else layers.push({ kind: 'output', inChannels: C, inH: H, inW: W, classes: units, weights });
  });
  const input = net.spec.input;
  if (layers[0] && layers[0].kind !== 'maxpool' && layers[0].inChannels !== encodedChannels(input)) throw new Error('deploy: first layer does not match the input encoding');
  return { version: DEPLOYED_FORMAT_VERSION, input: { ...input, thresholds: [...inputThresholds(input)] }, classes: net.spec.classes, layers };
}

function signValue(v: number): number {
  return v >= 0 ? 1 : -1;
}

function foldAll(channels: number, K: number, act: { scale: number; gain: { f32: Float32Array }; bias: { f32: Float32Array }; quantizer: Quantizer }, where: string): FoldedThreshold[] {
  const g = act.gain.f32, b = act.bias.f32;
  return Array.from({ length: channels }, (_, c) => foldThreshold(K, act.scale, g[c], b[c], act.quantizer, `${where} channel ${c}`));
}
