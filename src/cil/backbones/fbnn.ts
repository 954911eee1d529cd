// The fully binary network of src/bnn as a CIL backbone (docs/methods-cil.md §3.3): thermometer-encoded
// input, binary conv blocks, the depthwise + dense binary bottleneck whose ±1 output is the latent
// (natively binary: GBM needs no binarizer; latent replay stores it at 1 bit per dimension), optional
// binary hidden layers — with `skip`, the FBNN-ER paper's skip classifier out = W2·[sign(W1·I); I] —
// and a growing binary or ternary (two binary copies summed) head. Built from src/bnn's
// fbnnSpec/BinaryNet, using only their exported API.
import { concat, flatten, maxPool2d } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { BinaryDense } from '../../bnn/binaryLinear.js';
import { BinaryNet, type BinaryNetStage } from '../../bnn/binaryNet.js';
import { fbnnSpec } from '../../bnn/fbnnLayout.js';
import { ScaledSign } from '../../bnn/scaledSign.js';
import { Module, Sequential } from '../../nn/module.js';
import type { Backbone } from './backbone.js';
import { GrowingBinaryHead, GrowingTernaryHead } from './head.js';
import { imageGeometry, toPixels, type ImageGeometry } from './imageShape.js';

export interface FbnnModelConfig {
  kind: 'fbnn';
  /** Output channels of each conv block (ISCAS: [128, 256, 512]; bitspike's fashion-small: [32, 64, 128]). */
  widths: number[];
  /** Groups of each block's convs (the first conv always uses 1). */
  groups: number[];
  convsPerBlock: number;
  /** Bits of the binary latent after the depthwise bottleneck. */
  latentBits: number;
  /** Thermometer levels per input channel. */
  levels: number;
  /** Binary dense layers between the latent and the head. */
  hidden: number[];
  /** Per-channel learnable gain and bias in ScaledSign. */
  learnableGain: boolean;
  /** Feed the latent to the head next to the hidden layers' output: out = W·[h; I] (FBNN-ER's skip classifier). */
  skip: boolean;
  /** Output weights: 'binary' (1 bit) or 'ternary' (two binary copies summed: {−2, 0, +2}, 2 bits). */
  head: 'binary' | 'ternary';
  imageShape: number[] | null;
}

export const FBNN_DEFAULTS: Omit<FbnnModelConfig, 'kind'> = {
  widths: [32, 64, 128], groups: [1, 1, 2], convsPerBlock: 1, latentBits: 256, levels: 8, hidden: [], learnableGain: true, skip: false, head: 'binary', imageShape: null,
};

/** Thermometer encoding + every FBNN stage up to and including the binary latent. */
export class FbnnEncoder extends Module {
  readonly net: BinaryNet;
  readonly stages: BinaryNetStage[];
  constructor(readonly geometry: ImageGeometry, net: BinaryNet, readonly latentBits: number) {
    super();
    this.net = net;
    // The BinaryNet's own 1-class output layer is never used: only the stages up to the latent are children.
    this.stages = net.stages.filter((s) => s.kind !== 'output');
    this.stages.forEach((s, i) => {
      if (s.kind === 'conv') { this.addChild(`conv${i}`, s.conv); this.addChild(`act${i}`, s.act); }
      else if (s.kind === 'dense') { this.addChild(`dense${i}`, s.dense); this.addChild(`act${i}`, s.act); }
    });
  }
  /** Module interface: [N, h·w·c] pixels/255 (src/cil/samples' toInput layout) → [N, latentBits] ±1. */
  forward(x: Tensor): Tensor {
    return this.latents(toPixels(x), x.shape[0]);
  }

  /** Latents of `n` uint8 NHWC images stored back to back (no float round trip). */
  latents(images: Uint8Array, n: number): Tensor {
    if (this.training) {
      for (const s of this.stages) if (s.kind === 'conv') s.conv.clipLatent(); else if (s.kind === 'dense') s.dense.clipLatent();
    }
    let h = this.net.encode(images, n);
    for (const s of this.stages) {
      if (s.kind === 'conv') h = s.act.forward(s.conv.forward(h));
      else if (s.kind === 'maxpool') h = maxPool2d(h, { kernel: s.size });
      else if (s.kind === 'dense') h = s.act.forward(s.dense.forward(h.rank === 2 ? h : flatten(h)));
    }
    return h.rank === 2 ? h : flatten(h);
  }
}

/** Binary dense + ScaledSign layers (latent weights clipped before use). */
class BinaryMlp extends Module {
  readonly layers: { dense: BinaryDense; act: ScaledSign }[] = [];
  constructor(inFeatures: number, widths: readonly number[], learnable: boolean, rng: Rng) {
    super();
    let w = inFeatures;
    widths.forEach((u, i) => {
      const dense = this.addChild(`dense${i}`, new BinaryDense({ inFeatures: w, outFeatures: u, rng }));
      const act = this.addChild(`act${i}`, new ScaledSign({ channels: u, fanIn: dense.fanIn, learnable }));
      this.layers.push({ dense, act });
      w = u;
    });
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) {
      if (this.training) l.dense.clipLatent();
      h = l.act.forward(l.dense.forward(h));
    }
    return h;
  }
}

/** [trunk(z); z]: the hidden path and the latent side by side (the skip classifier's input to W2). */
class SkipTrunk extends Module {
  constructor(readonly inner: Module) {
    super();
    this.addChild('inner', inner);
  }
  forward(z: Tensor): Tensor {
    return concat([this.inner.forward(z), z], 1);
  }
}

/** Deployed bits: binary conv/dense weights at 1 bit, ScaledSign gains and biases at 32. */
function binaryBits(m: Module): number {
  let bits = 0;
  for (const [name, t] of m.namedParameters()) bits += t.size * (/(^|\.)(conv|dense)\d+\.weight$/.test(name) ? 1 : 32);
  return bits;
}

export function checkFbnnConfig(c: FbnnModelConfig): void {
  const posList = (k: 'widths' | 'groups' | 'hidden', v: unknown, allowEmpty: boolean): void => {
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || !v.every((x) => Number.isInteger(x) && x >= 1)) {
      throw new RangeError(`model.${k}: expected a${allowEmpty ? '' : ' non-empty'} list of positive integers, got ${JSON.stringify(v)}`);
    }
  };
  posList('widths', c.widths, false); posList('groups', c.groups, false); posList('hidden', c.hidden, true);
  if (c.head !== 'binary' && c.head !== 'ternary') throw new RangeError(`model.head: expected 'binary' or 'ternary', got ${JSON.stringify(c.head)}`);
  if (c.groups.length !== c.widths.length) throw new RangeError(`model.groups: ${c.groups.length} entries for ${c.widths.length} widths`);
  for (const [k, v] of [['convsPerBlock', c.convsPerBlock], ['latentBits', c.latentBits], ['levels', c.levels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`model.${k}: expected a positive integer, got ${JSON.stringify(v)}`);
  }
}

export function fbnnBackbone(c: FbnnModelConfig, inputDim: number, rng: Rng): Backbone {
  checkFbnnConfig(c);
  const g = imageGeometry(inputDim, c.imageShape);
  const spec = fbnnSpec({
    input: { height: g.height, width: g.width, channels: g.channels, levels: c.levels }, classes: 1,
    widths: c.widths, groups: c.groups, convsPerBlock: c.convsPerBlock, latentBits: c.latentBits, learnableGain: c.learnableGain,
  });
  const encoder = new FbnnEncoder(g, new BinaryNet(spec, rng), c.latentBits);
  const mlp = c.hidden.length ? new BinaryMlp(c.latentBits, c.hidden, c.learnableGain, rng) : null;
  const skip = c.skip && mlp !== null;
  const trunk = mlp === null ? new Sequential([]) : skip ? new SkipTrunk(mlp) : mlp;
  const featureDim = (mlp ? c.hidden[c.hidden.length - 1] : c.latentBits) + (skip ? c.latentBits : 0);
  return {
    encoder, latentDim: c.latentBits, binaryLatent: true, trunk, featureDim,
    head: c.head === 'ternary' ? new GrowingTernaryHead(featureDim) : new GrowingBinaryHead(featureDim),
    bodyBits: () => binaryBits(encoder) + binaryBits(trunk),
    encoderBits: () => binaryBits(encoder),
    describe: () => `fbnn (widths [${c.widths.join(', ')}], groups [${c.groups.join(', ')}], ${c.convsPerBlock} conv/block, ` +
      `${g.height}×${g.width}×${g.channels} input × ${c.levels} thermometer levels, ${c.latentBits}-bit latent` +
      `${c.hidden.length ? `, ${skip ? 'skip ' : ''}hidden [${c.hidden.join(', ')}]` : ''}, ${c.head} head)`,
  };
}
