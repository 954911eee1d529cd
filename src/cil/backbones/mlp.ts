// The original CIL model: an MLP on flattened pixels. The latent point is after hidden layer
// `split.layer`; with binary latents that layer's activation is a sign with a clipped-identity STE
// (docs/methods-cil.md §1.3) instead of a ReLU, so training, replay and test see the same ±1 codes.
import { customOp, type Tensor } from '../../engine/tensor.js';
import type { Rng } from '../../engine/random.js';
import { Linear, ReLU } from '../../nn/layers.js';
import { Lambda, Sequential, type Module } from '../../nn/module.js';
import type { Backbone } from './backbone.js';
import { GrowingHead } from './head.js';

export interface MlpModelConfig {
  kind: 'mlp';
  /** Hidden layer widths (van de Ven & Tolias use [400, 400]). */
  hidden: number[];
}

export interface LatentSplit {
  /** Hidden layers in the encoder (MLP: 1..hidden.length; conv backbones: 1, the embedding). */
  layer: number;
  format: 'float' | 'binary';
}

/** sign(x) with sign(0) = +1; gradient passes where |x| ≤ 1 (clipped identity STE). */
export function signSte(x: Tensor): Tensor {
  return customOp('signSte', [x], x.shape,
    ([X]) => { const y = new Float32Array(X.length); for (let i = 0; i < X.length; i++) y[i] = X[i] >= 0 ? 1 : -1; return y; },
    (gy, [X]) => { const g = new Float32Array(gy.length); for (let i = 0; i < g.length; i++) g[i] = Math.abs(X[i]) <= 1 ? gy[i] : 0; return [g]; });
}

export function mlpBackbone(config: MlpModelConfig, inputDim: number, split: LatentSplit | null, rng: Rng): Backbone {
  const { hidden } = config;
  if (!Array.isArray(hidden) || hidden.length === 0 || !hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new RangeError(`model.hidden: expected a non-empty list of positive integer widths, got ${JSON.stringify(hidden)}`);
  }
  const k = split?.layer ?? 0;
  if (split && !(Number.isInteger(k) && k >= 1 && k <= hidden.length)) {
    throw new RangeError(`latent layer must be an integer in [1, ${hidden.length}] (a hidden layer of model.hidden), got ${k}`);
  }
  const enc: Module[] = [], trunk: Module[] = [];
  let width = inputDim;
  hidden.forEach((h, i) => {
    const inEncoder = i < k;
    const act = inEncoder && i === k - 1 && split?.format === 'binary' ? new Lambda(signSte, 'SignSte') : new ReLU();
    (inEncoder ? enc : trunk).push(new Linear({ inFeatures: width, outFeatures: h, rng }), act);
    width = h;
  });
  const encoder = new Sequential(enc), trunkSeq = new Sequential(trunk);
  return {
    encoder, latentDim: k === 0 ? inputDim : hidden[k - 1], binaryLatent: split?.format === 'binary', trunk: trunkSeq,
    featureDim: width, head: new GrowingHead(width),
    // Float32 weights and biases (no buffers in an MLP).
    bodyBits: () => (encoder.parameterCount() + trunkSeq.parameterCount()) * 32,
    describe: () => `mlp [${hidden.join(', ')}]`,
  };
}
