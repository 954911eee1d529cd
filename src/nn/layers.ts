import { initialize, type Initializer } from '../engine/init.js';
import { batchNorm, conv2d, flatten, globalAvgPool2d, linear, maxPool2d, relu,
  type Conv2dOptions, type Pair, type Pool2dOptions } from '../engine/ops/index.js';
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
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
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
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
    return batchNorm(x, this.gamma, this.beta, this, { training: this.training, momentum: this.cfg.momentum, eps: this.cfg.eps });
  }
}

export class ReLU extends Lambda { constructor() { super(relu, 'ReLU'); } }
export class Flatten extends Lambda { constructor() { super(flatten, 'Flatten'); } }
export class GlobalAvgPool2d extends Lambda { constructor() { super(globalAvgPool2d, 'GlobalAvgPool2d'); } }
export class MaxPool2d extends Lambda { constructor(readonly opts: Pool2dOptions) { super((x) => maxPool2d(x, opts), 'MaxPool2d'); } }
