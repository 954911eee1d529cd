// Classifier heads that grow by rows as classes arrive (single-head CIL: old rows are kept, new rows
// initialised). A float head is a linear layer on the features; the binary head is the FBNN's binary
// dense output (sign of latent weights clipped to [−1, 1], fixed 1/√fanIn output scale, no bias), so
// an FBNN learner stays binary end to end (docs/methods-cil.md §2.8, §3.3).
import { initialize } from '../../engine/init.js';
import { add, linear, scale } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/random.js';
import { Tensor } from '../../engine/tensor.js';
import { clipInPlace } from '../../bnn/binaryConv.js';
import { quantize, steSign } from '../../bnn/quantizers.js';
import { fanInScale } from '../../bnn/scaledSign.js';
import { Module } from '../../nn/module.js';

export interface GrowableHead extends Module {
  readonly inFeatures: number;
  readonly outputs: number;
  /** Deployed bits of one output row. */
  readonly rowBits: number;
  /** Trainable scalars of one output row (float or latent binary weights, bias). */
  readonly rowScalars: number;
  /** Adds `n` output rows. */
  grow(n: number, rng: Rng): void;
}

/** Linear classifier over seen classes (float32 weights and bias). */
export class GrowingHead extends Module implements GrowableHead {
  weight: Tensor;
  bias: Tensor;
  constructor(readonly inFeatures: number) {
    super();
    this.weight = this.addParam('weight', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.bias = this.addParam('bias', new Tensor(new Float32Array(0), [0], true));
  }
  get outputs(): number { return this.weight.shape[0]; }
  get rowBits(): number { return (this.inFeatures + 1) * 32; }
  get rowScalars(): number { return this.inFeatures + 1; }
  /** Adds `n` rows, initialised as PyTorch's Linear (U(±1/√fanIn)). */
  grow(n: number, rng: Rng): void {
    if (n <= 0) return;
    const F = this.inFeatures, O = this.outputs;
    const b = 1 / Math.sqrt(F);
    const w = initialize([n, F], { kind: 'uniform', lo: -b, hi: b }, rng, false);
    const bb = initialize([n], { kind: 'uniform', lo: -b, hi: b }, rng, false);
    const W = new Float32Array((O + n) * F); W.set(this.weight.f32); W.set(w.f32, O * F);
    const B = new Float32Array(O + n); B.set(this.bias.f32); B.set(bb.f32, O);
    this.weight = this.addParam('weight', new Tensor(W, [O + n, F], true));
    this.bias = this.addParam('bias', new Tensor(B, [O + n], true));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Binary classifier over seen classes: logits = (x · sign(W)ᵀ) / √fanIn, 1 bit per weight. */
export class GrowingBinaryHead extends Module implements GrowableHead {
  weight: Tensor;
  readonly outputScale: number;
  constructor(readonly inFeatures: number) {
    super();
    this.weight = this.addParam('weight', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.outputScale = fanInScale(inFeatures);
  }
  get outputs(): number { return this.weight.shape[0]; }
  get rowBits(): number { return this.inFeatures; }
  get rowScalars(): number { return this.inFeatures; }
  /**
   * Adds `n` rows of latent weights U(±1/√fanIn) (their signs are the deployed weights). Small latent
   * values let a new row's signs flip within tens of optimizer steps; U(−1, 1) would freeze them.
   */
  grow(n: number, rng: Rng): void {
    if (n <= 0) return;
    const F = this.inFeatures, O = this.outputs, b = 1 / Math.sqrt(F);
    const w = initialize([n, F], { kind: 'uniform', lo: -b, hi: b }, rng, false);
    const W = new Float32Array((O + n) * F); W.set(this.weight.f32); W.set(w.f32, O * F);
    this.weight = this.addParam('weight', new Tensor(W, [O + n, F], true));
  }
  forward(x: Tensor): Tensor {
    // Latent weights are clipped before use: sign() is unchanged, and a weight never drifts so far
    // that it cannot flip back (the clip-after-step rule of §1.3, applied lazily).
    if (this.training) clipInPlace(this.weight.f32);
    return scale(linear(x, quantize(this.weight, steSign()), null), this.outputScale);
  }
}

/**
 * Ternary classifier by duplication (FBNN-ER §3.3): two binary copies summed, w_a·x + w_b·x ∈ {−2x, 0, +2x},
 * computed with XNOR/popcount only; 2 bits per weight. The pair has output variance 2·fanIn, hence the scale.
 */
export class GrowingTernaryHead extends Module implements GrowableHead {
  weightA: Tensor;
  weightB: Tensor;
  readonly outputScale: number;
  constructor(readonly inFeatures: number) {
    super();
    this.weightA = this.addParam('weightA', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.weightB = this.addParam('weightB', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.outputScale = fanInScale(2 * inFeatures);
  }
  get outputs(): number { return this.weightA.shape[0]; }
  get rowBits(): number { return 2 * this.inFeatures; }
  get rowScalars(): number { return 2 * this.inFeatures; }
  /** Adds `n` rows to both copies, latent weights U(±1/√fanIn) as GrowingBinaryHead (independent draws per copy). */
  grow(n: number, rng: Rng): void {
    if (n <= 0) return;
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
