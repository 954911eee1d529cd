// The FBNN-ER network (methods-cil.md §3.3), split where the study needs it:
//   FeatureExtractor  thermometer input → binary conv blocks → depthwise + dense binary bottleneck:
//                     the ±1 latent that latent replay stores at 1 bit per dimension;
//   SkipClassifier    h = sign(W1·I / √fanIn), out = W2·[h ; I] with W2 ternary by duplication
//                     (two binary copies summed: w_a·x + w_b·x ∈ {−2x, 0, +2x}), growing one output
//                     row per class so the classifier can be reset after pre-training and grown per task.
// Everything is binary × binary with fixed 1/√fanIn scales (no BN, no real-valued first/last layer);
// latent weights are clipped to [−1, 1] before use (the clip-after-step rule of §1.3, applied lazily).
import { initialize } from '../engine/init.js';
import { add, concat, flatten, linear, maxPool2d, scale } from '../engine/ops/index.js';
import type { Rng } from '../engine/random.js';
import { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { clipInPlace } from '../bnn/binaryConv.js';
import { BinaryDense } from '../bnn/binaryLinear.js';
import { BinaryNet, type BinaryNetStage } from '../bnn/binaryNet.js';
import { fbnnSpec } from '../bnn/fbnnLayout.js';
import { quantize, steSign } from '../bnn/quantizers.js';
import { fanInScale, ScaledSign } from '../bnn/scaledSign.js';

export interface FbnnModelOptions {
  /** Output channels of each conv block (ISCAS: 128, 256, 512). */
  widths: number[];
  /** Groups of each block's convs (the first conv always uses 1). */
  groups: number[];
  convsPerBlock: number;
  /** Bits of the binary latent (ISCAS: 1,024). */
  latentBits: number;
  /** Thermometer levels per input channel. */
  levels: number;
  learnableGain: boolean;
  /** Width of the classifier's binary hidden layer h (0: out = W2·I, no hidden path). */
  classifierHidden: number;
}

export interface ImageGeometry { height: number; width: number; channels: number }

/** Binary weight count of a module: conv/dense kernels (1 bit each) and the 32-bit ScaledSign gains/biases. */
export function deployedBits(m: Module): { binaryWeights: number; floatScalars: number; bits: number } {
  let binaryWeights = 0, floatScalars = 0;
  for (const [name, t] of m.namedParameters()) {
    if (/(gain|bias)$/.test(name)) floatScalars += t.size; else binaryWeights += t.size;
  }
  return { binaryWeights, floatScalars, bits: binaryWeights + 32 * floatScalars };
}

/** Thermometer encoding and every FBNN stage up to the binary latent: uint8 NHWC images → [N, latentBits] ±1. */
export class FeatureExtractor extends Module {
  readonly net: BinaryNet;
  readonly stages: BinaryNetStage[];
  readonly latentBits: number;
  constructor(readonly geometry: ImageGeometry, o: FbnnModelOptions, rng: Rng) {
    super();
    const spec = fbnnSpec({
      input: { height: geometry.height, width: geometry.width, channels: geometry.channels, levels: o.levels }, classes: 1,
      widths: o.widths, groups: o.groups, convsPerBlock: o.convsPerBlock, latentBits: o.latentBits, learnableGain: o.learnableGain,
    });
    this.net = new BinaryNet(spec, rng);
    this.latentBits = o.latentBits;
    // The BinaryNet's own 1-class output layer is never used: only the stages up to the latent are children.
    this.stages = this.net.stages.filter((s) => s.kind !== 'output');
    this.stages.forEach((s, i) => {
      if (s.kind === 'conv') { this.addChild(`conv${i}`, s.conv); this.addChild(`act${i}`, s.act); }
      else if (s.kind === 'dense') { this.addChild(`dense${i}`, s.dense); this.addChild(`act${i}`, s.act); }
    });
  }

  /** Module interface: [N, h·w·c] pixels/255 (src/cil/samples' toInput layout) → latents. */
  forward(x: Tensor): Tensor {
    const X = x.f32, px = new Uint8Array(X.length);
    for (let i = 0; i < X.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(X[i] * 255)));
    return this.latents(px, x.shape[0]);
  }

  /** Latents of `n` images stored back to back in `images` (NHWC uint8). */
  latents(images: Uint8Array, n: number): Tensor {
    if (this.training) for (const s of this.stages) if (s.kind === 'conv') s.conv.clipLatent(); else if (s.kind === 'dense') s.dense.clipLatent();
    let h = this.net.encode(images, n);
    for (const s of this.stages) {
      if (s.kind === 'conv') h = s.act.forward(s.conv.forward(h));
      else if (s.kind === 'maxpool') h = maxPool2d(h, { kernel: s.size });
      else if (s.kind === 'dense') h = s.act.forward(s.dense.forward(h.rank === 2 ? h : flatten(h)));
    }
    return h.rank === 2 ? h : flatten(h);
  }
}

/** Binary output rows that grow per class; two binary copies summed give ternary weights (§3.3 duplication). */
export class GrowingTernaryHead extends Module {
  weightA: Tensor;
  weightB: Tensor;
  readonly outputScale: number;
  constructor(readonly inFeatures: number) {
    super();
    this.weightA = this.addParam('weightA', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.weightB = this.addParam('weightB', new Tensor(new Float32Array(0), [0, inFeatures], true));
    // Each copy is a sum of fanIn ±1 products; the pair has variance 2·fanIn.
    this.outputScale = fanInScale(2 * inFeatures);
  }
  get outputs(): number { return this.weightA.shape[0]; }
  /** Adds `n` rows of latent weights U(±1/√fanIn): small, so a new row's signs can flip quickly. */
  grow(n: number, rng: Rng): void {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`GrowingTernaryHead.grow: n must be a non-negative integer, got ${n}`);
    if (n === 0) return;
    const F = this.inFeatures, O = this.outputs, b = 1 / Math.sqrt(F);
    const extend = (old: Tensor): Tensor => {
      const w = initialize([n, F], { kind: 'uniform', lo: -b, hi: b }, rng, false);
      const W = new Float32Array((O + n) * F); W.set(old.f32); W.set(w.f32, O * F);
      return new Tensor(W, [O + n, F], true);
    };
    this.weightA = this.addParam('weightA', extend(this.weightA));
    this.weightB = this.addParam('weightB', extend(this.weightB));
  }
  forward(x: Tensor): Tensor {
    if (this.training) { clipInPlace(this.weightA.f32); clipInPlace(this.weightB.f32); }
    const q = steSign();
    return scale(add(linear(x, quantize(this.weightA, q), null), linear(x, quantize(this.weightB, q), null)), this.outputScale);
  }
}

/** The skip classifier out = W2·[sign(W1·I) ; I] on binary latents I (§3.3); resettable and growing. */
export class SkipClassifier extends Module {
  readonly hidden: { dense: BinaryDense; act: ScaledSign } | null;
  readonly head: GrowingTernaryHead;
  constructor(readonly latentBits: number, hiddenUnits: number, learnableGain: boolean, rng: Rng) {
    super();
    if (!(Number.isInteger(hiddenUnits) && hiddenUnits >= 0)) throw new RangeError(`classifierHidden must be a non-negative integer, got ${hiddenUnits}`);
    if (hiddenUnits > 0) {
      const dense = this.addChild('dense', new BinaryDense({ inFeatures: latentBits, outFeatures: hiddenUnits, rng }));
      const act = this.addChild('act', new ScaledSign({ channels: hiddenUnits, fanIn: latentBits, learnable: learnableGain }));
      this.hidden = { dense, act };
    } else this.hidden = null;
    this.head = this.addChild('head', new GrowingTernaryHead(latentBits + hiddenUnits));
  }
  get outputs(): number { return this.head.outputs; }
  grow(n: number, rng: Rng): void { this.head.grow(n, rng); }
  forward(z: Tensor): Tensor {
    if (!this.hidden) return this.head.forward(z);
    if (this.training) this.hidden.dense.clipLatent();
    const h = this.hidden.act.forward(this.hidden.dense.forward(z));
    return this.head.forward(concat([h, z], 1));
  }
}
