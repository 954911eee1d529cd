// What a float feature extractor needs to become a CIL backbone (docs/methods-cil.md §2.7): GBM's
// feature binarizer on its pooled features (the latent), float dense layers above it (the trunk) and
// a growing float head. Shared by the ResNet and the imported-ONNX backbones, which differ only in the
// extractor and in how its weights are counted.
import type { Rng } from '../../engine/random.js';
import { Binarizer, type BinarizerKind } from '../../gbm/binarizers.js';
import { Linear, ReLU } from '../../nn/layers.js';
import { Sequential, type Module } from '../../nn/module.js';
import type { Backbone } from './backbone.js';
import { GrowingHead } from './head.js';

export interface BinarizedTrunkConfig {
  binarizer: BinarizerKind | 'none';
  levels: number;
  hidden: number[];
}

/** Encoder = features (+ binarizer), trunk = float hidden layers, float head. */
export function binarizedTrunk(features: Module, featureCount: number, c: BinarizedTrunkConfig, rng: Rng): Pick<Backbone, 'encoder' | 'latentDim' | 'binaryLatent' | 'trunk' | 'featureDim' | 'head'> {
  const enc: Module[] = [features];
  let latentDim = featureCount;
  if (c.binarizer !== 'none') {
    const b = new Binarizer({ kind: c.binarizer, features: featureCount, levels: c.levels });
    enc.push(b);
    latentDim = b.bits;
  }
  const trunk: Module[] = [];
  let width = latentDim;
  for (const h of c.hidden) { trunk.push(new Linear({ inFeatures: width, outFeatures: h, rng }), new ReLU()); width = h; }
  return {
    encoder: new Sequential(enc), latentDim, binaryLatent: c.binarizer !== 'none', trunk: new Sequential(trunk),
    featureDim: width, head: new GrowingHead(width),
  };
}

/** "heaviside binarizer → 512 bits" / "thermometer T=4 binarizer → 2048 bits" / "float latent" for describe(). */
export function describeBinarizer(c: BinarizedTrunkConfig, latentDim: number, floatText: string): string {
  return c.binarizer === 'none' ? floatText : `${c.binarizer}${c.binarizer === 'thermometer' ? ` T=${c.levels}` : ''} binarizer → ${latentDim} bits`;
}
