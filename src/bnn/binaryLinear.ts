// Binary dense layer: y = x · sign(W)ᵀ with real-valued latent W (clipped to [−1, 1]) and a kernel
// quantizer. With ±1 inputs the outputs are exact integers held in float32.
import { initialize } from '../engine/init.js';
import { linear } from '../engine/ops/index.js';
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { clipInPlace } from './binaryConv.js';
import { quantize, steSign, type Quantizer } from './quantizers.js';

export interface BinaryDenseConfig { inFeatures: number; outFeatures: number; rng: Rng; kernelQuantizer?: Quantizer }

export class BinaryDense extends Module {
  readonly weight: Tensor;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly kernelQuantizer: Quantizer;

  constructor(cfg: BinaryDenseConfig) {
    super();
    for (const [k, v] of [['inFeatures', cfg.inFeatures], ['outFeatures', cfg.outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`BinaryDense: ${k} must be a positive integer, got ${v}`);
    }
    this.inFeatures = cfg.inFeatures;
    this.outFeatures = cfg.outFeatures;
    this.kernelQuantizer = cfg.kernelQuantizer ?? steSign();
    this.weight = this.addParam('weight', initialize([cfg.outFeatures, cfg.inFeatures], { kind: 'glorotUniform' }, cfg.rng));
  }

  get fanIn(): number {
    return this.inFeatures;
  }

  forward(x: Tensor): Tensor {
    return linear(x, quantize(this.weight, this.kernelQuantizer), null);
  }

  clipLatent(): void {
    clipInPlace(this.weight.f32);
  }
}
