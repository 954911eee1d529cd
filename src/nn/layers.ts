import { takeF32 } from '../engine/buffer-pool.js';
import { getKernels } from '../engine/kernels/index.js';
import { initialize, type Initializer } from '../engine/init.js';
import { batchNorm, conv2d, flatten, globalAvgPool2d, linear, maxPool2d, relu,
  type Conv2dOptions, type Pair, type Pool2dOptions } from '../engine/ops/index.js';
import type { Rng } from '../engine/random.js';
import { isGradEnabled, Tensor } from '../engine/tensor.js';
import { Lambda, Module } from './module.js';

export interface LinearConfig { inFeatures: number; outFeatures: number; bias?: boolean; rng: Rng; init?: Initializer }

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(cfg: LinearConfig) {
    super();
    const init = cfg.init ?? { kind: 'torchDefault' };
    this.weight = this.addParam('weight', initialize([cfg.outFeatures, cfg.inFeatures], init, cfg.rng));
    this.bias = cfg.bias === false ? null
      : this.addParam('bias', initialize([cfg.outFeatures], { kind: 'uniform', lo: -1 / Math.sqrt(cfg.inFeatures), hi: 1 / Math.sqrt(cfg.inFeatures) }, cfg.rng));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface Conv2dConfig extends Conv2dOptions {
  inChannels: number; outChannels: number; kernel: Pair; bias?: boolean; rng: Rng; init?: Initializer;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly opts: Conv2dOptions;
  constructor(cfg: Conv2dConfig) {
    super();
    const [kh, kw] = typeof cfg.kernel === 'number' ? [cfg.kernel, cfg.kernel] : cfg.kernel;
    const groups = cfg.groups ?? 1;
    const shape = [cfg.outChannels, cfg.inChannels / groups, kh, kw];
    if (!Number.isInteger(shape[1])) throw new RangeError(`Conv2d: inChannels ${cfg.inChannels} is not divisible by groups ${groups}`);
    this.weight = this.addParam('weight', initialize(shape, cfg.init ?? { kind: 'torchDefault' }, cfg.rng));
    const b = 1 / Math.sqrt(shape[1] * kh * kw);
    this.bias = cfg.bias === false ? null : this.addParam('bias', initialize([cfg.outChannels], { kind: 'uniform', lo: -b, hi: b }, cfg.rng));
    this.opts = { stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation, groups };
  }
  /**
   * A float layer: its conv (and its gradients) may round as Winograd F(4×4, 3×3) does
   * (ConvEpilogue.approximate). Binary layers (BinaryConv) and the spiking fast path call the op
   * or the kernels without it and stay exact on integer values.
   */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts, { approximate: true });
  }

  /**
   * A ReLU right after the convolution runs as its epilogue (same values and gradients). In
   * inference without gradients, a batch norm after it (and a ReLU after that) is folded into
   * the convolution's weights and bias: one op instead of three, rounding differing slightly.
   */
  override fuses(next: readonly Module[]): number {
    // A subclass with its own forward (a quantized conv, say) computes something else: never fuse it.
    if (this.forward !== Conv2d.prototype.forward) return 0;
    if (isRelu(next[0])) return 1;
    const bn = next[0];
    if (bn instanceof BatchNorm && bn.forward === BatchNorm.prototype.forward
      && !this.training && !bn.training && !isGradEnabled()) return isRelu(next[1]) ? 2 : 1;
    return 0;
  }

  override forwardFused(x: Tensor, next: readonly Module[]): Tensor {
    const bn = next[0];
    if (!(bn instanceof BatchNorm)) return conv2d(x, this.weight, this.bias, this.opts, { relu: isRelu(bn), approximate: true });
    const { scale, shift } = bn.evalAffine();
    const w = this.weight.f32, OC = scale.length;
    // Folded weights are an op output of this pass: in kernel memory inside tidy (read in place by the conv).
    const fw = takeF32(w.length), fb = new Float32Array(OC);
    getKernels().scaleRows(w, scale, fw);
    for (let oc = 0; oc < OC; oc++) fb[oc] = (this.bias ? this.bias.f32[oc] * scale[oc] : 0) + shift[oc];
    return conv2d(x, new Tensor(fw, this.weight.shape), new Tensor(fb, [OC]), this.opts, { relu: isRelu(next[1]), approximate: true });
  }
}

export interface BatchNormConfig { channels: number; momentum?: number; eps?: number; affine?: boolean }

/** Batch normalization over channel axis 1 of [N, C] or [N, C, H, W]. */
export class BatchNorm extends Module {
  readonly gamma: Tensor | null;
  readonly beta: Tensor | null;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  constructor(readonly cfg: BatchNormConfig) {
    super();
    const affine = cfg.affine ?? true;
    this.gamma = affine ? this.addParam('gamma', initialize([cfg.channels], { kind: 'ones' })) : null;
    this.beta = affine ? this.addParam('beta', initialize([cfg.channels], { kind: 'zeros' })) : null;
    this.runningMean = this.addBuffer('runningMean', new Float32Array(cfg.channels));
    this.runningVar = this.addBuffer('runningVar', new Float32Array(cfg.channels).fill(1));
  }
  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }
  /** A ReLU right after a batch norm runs inside the batch-norm op (one pass, same values). */
  override fuses(next: readonly Module[]): number {
    return this.forward === BatchNorm.prototype.forward && isRelu(next[0]) ? 1 : 0;
  }
  override forwardFused(x: Tensor, next: readonly Module[]): Tensor {
    return this.normalize(x, isRelu(next[0]));
  }
  private normalize(x: Tensor, withRelu: boolean): Tensor {
    return batchNorm(x, this.gamma, this.beta, this, { training: this.training, momentum: this.cfg.momentum, eps: this.cfg.eps, relu: withRelu });
  }

  /**
   * The affine map this batch norm applies in evaluation: y = x·scale[c] + shift[c], with
   * scale = γ/√(runningVar + eps) and shift = β − runningMean·scale.
   */
  evalAffine(): { scale: Float32Array; shift: Float32Array } {
    const C = this.cfg.channels, eps = this.cfg.eps ?? 1e-5;
    const scale = new Float32Array(C), shift = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const invStd = 1 / Math.sqrt(this.runningVar[c] + eps);
      scale[c] = (this.gamma ? this.gamma.f32[c] : 1) * invStd;
      shift[c] = (this.beta ? this.beta.f32[c] : 0) - this.runningMean[c] * scale[c];
    }
    return { scale, shift };
  }
}

function isRelu(m: Module | undefined): boolean {
  return m instanceof ReLU && m.fn === relu;
}

export class ReLU extends Lambda { constructor() { super(relu, 'ReLU'); } }
export class Flatten extends Lambda { constructor() { super(flatten, 'Flatten'); } }
export class GlobalAvgPool2d extends Lambda { constructor() { super(globalAvgPool2d, 'GlobalAvgPool2d'); } }
export class MaxPool2d extends Lambda { constructor(readonly opts: Pool2dOptions) { super((x) => maxPool2d(x, opts), 'MaxPool2d'); } }
