// The network a CIL learner trains: encoder → (binarizer) → trunk → growing single head.
// The encoder/trunk split is the latent point of latent replay (methods-cil.md §3.5, §4): the encoder
// is frozen after the first task and replayed latents enter the trunk. With binary latents the
// encoder's last activation is a sign with a straight-through gradient (§1.3), so training, replay and
// test all see the same ±1 codes. The head grows by one row per new class (old rows kept).
import { customOp, noGrad, Tensor } from '../engine/tensor.js';
import { initialize } from '../engine/init.js';
import { linear } from '../engine/ops/index.js';
import { Rng } from '../engine/random.js';
import { Linear, ReLU } from '../nn/layers.js';
import { Lambda, Module, Sequential } from '../nn/module.js';

export interface ModelConfig {
  kind: 'mlp';
  /** Hidden layer widths (van de Ven & Tolias use [400, 400]). */
  hidden: number[];
}

export interface LatentSplit {
  /** Hidden layers in the encoder (1..hidden.length). */
  layer: number;
  format: 'float' | 'binary';
}

/** sign(x) with sign(0) = +1; gradient passes where |x| ≤ 1 (clipped identity STE). */
export function signSte(x: Tensor): Tensor {
  return customOp('signSte', [x], x.shape,
    ([X]) => { const y = new Float32Array(X.length); for (let i = 0; i < X.length; i++) y[i] = X[i] >= 0 ? 1 : -1; return y; },
    (gy, [X]) => { const g = new Float32Array(gy.length); for (let i = 0; i < g.length; i++) g[i] = Math.abs(X[i]) <= 1 ? gy[i] : 0; return [g]; });
}

/** Linear classifier over seen classes; rows are added as classes arrive. */
export class GrowingHead extends Module {
  weight: Tensor;
  bias: Tensor;
  constructor(readonly inFeatures: number) {
    super();
    this.weight = this.addParam('weight', new Tensor(new Float32Array(0), [0, inFeatures], true));
    this.bias = this.addParam('bias', new Tensor(new Float32Array(0), [0], true));
  }
  get outputs(): number { return this.weight.shape[0]; }
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

export class CilNet extends Module {
  readonly encoder: Sequential;
  readonly trunk: Sequential;
  readonly head: GrowingHead;
  readonly latentDim: number;
  readonly featureDim: number;
  encoderFrozen = false;

  constructor(readonly config: ModelConfig, readonly inputDim: number, readonly split: LatentSplit | null, rng: Rng) {
    super();
    const { hidden } = config;
    if (config.kind !== 'mlp') throw new RangeError(`model.kind: only 'mlp' is supported, got '${String(config.kind)}'`);
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
    this.encoder = this.addChild('encoder', new Sequential(enc));
    this.trunk = this.addChild('trunk', new Sequential(trunk));
    this.latentDim = k === 0 ? inputDim : hidden[k - 1];
    this.featureDim = width;
    this.head = this.addChild('head', new GrowingHead(width));
  }

  get binaryLatent(): boolean { return this.split?.format === 'binary'; }

  latent(x: Tensor): Tensor {
    return this.encoderFrozen ? noGrad(() => this.encoder.forward(x)) : this.encoder.forward(x);
  }
  features(z: Tensor): Tensor { return this.trunk.forward(z); }
  logits(h: Tensor): Tensor { return this.head.forward(h); }
  forward(x: Tensor): Tensor { return this.logits(this.features(this.latent(x))); }

  /** Stops training the encoder: its parameters no longer require gradients. */
  freezeEncoder(): void {
    this.encoderFrozen = true;
    for (const p of this.encoder.parameters()) p.requiresGrad = false;
  }

  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Deployed bits: float32 weights and biases (32 bits each). */
  parameterBits(): number {
    return this.parameterCount() * 32;
  }

  /** Bits of this model with `classes` outputs (for budget planning before the head has grown). */
  bitsWithClasses(classes: number): number {
    return (this.parameterCount() - this.head.outputs * (this.featureDim + 1) + classes * (this.featureDim + 1)) * 32;
  }

  /** A frozen copy (LwF / iCaRL teacher). */
  frozenCopy(): CilNet {
    const c = new CilNet(this.config, this.inputDim, this.split, new Rng(0));
    c.head.grow(this.head.outputs, new Rng(0));
    c.loadStateDict(this.stateDict());
    for (const p of c.parameters()) p.requiresGrad = false;
    c.encoderFrozen = true;
    return c.eval();
  }
}
