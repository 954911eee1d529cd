// Binary 2-D convolution with real-valued latent weights (clipped to [−1, 1] after each step) and a
// kernel quantizer (sign by default). Inputs are expected to be ±1 already (the previous layer's
// activation or the thermometer planes), so outputs are exact integers held in float32.
//
// Padding is −1, not 0: a zero is not a binary value, and −1 is bit 0 in packed storage, so the
// float simulation and the XNOR-popcount path see the same padded input (the daBNN −1/0 padding
// trap, prior-art.md). Every output therefore sums exactly fanIn ±1 products.
import { initialize } from '../engine/init.js';
import { conv2d } from '../engine/ops/index.js';
import { customOp } from '../engine/tensor.js';
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { quantize, steSign, type Quantizer } from './quantizers.js';

/** Value used for spatial padding of binary feature maps (bit 0). */
export const BINARY_PAD_VALUE = -1;

export interface BinaryConv2dConfig {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  padding?: number;
  groups?: number;
  rng: Rng;
  kernelQuantizer?: Quantizer;
}

export class BinaryConv2d extends Module {
  readonly weight: Tensor;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly kernelQuantizer: Quantizer;

  constructor(cfg: BinaryConv2dConfig) {
    super();
    const groups = cfg.groups ?? 1;
    for (const [k, v] of [['inChannels', cfg.inChannels], ['outChannels', cfg.outChannels], ['kernel', cfg.kernel], ['groups', groups], ['stride', cfg.stride ?? 1]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`BinaryConv2d: ${k} must be a positive integer, got ${v}`);
    }
    if (cfg.inChannels % groups || cfg.outChannels % groups) {
      throw new RangeError(`BinaryConv2d: groups=${groups} must divide inChannels=${cfg.inChannels} and outChannels=${cfg.outChannels}`);
    }
    const padding = cfg.padding ?? 0;
    if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`BinaryConv2d: padding must be a non-negative integer, got ${padding}`);
    this.inChannels = cfg.inChannels;
    this.outChannels = cfg.outChannels;
    this.kernel = cfg.kernel;
    this.stride = cfg.stride ?? 1;
    this.padding = padding;
    this.groups = groups;
    this.kernelQuantizer = cfg.kernelQuantizer ?? steSign();
    this.weight = this.addParam('weight', initialize([cfg.outChannels, cfg.inChannels / groups, cfg.kernel, cfg.kernel], { kind: 'glorotUniform' }, cfg.rng));
  }

  /** Number of ±1 products summed per output: (C/groups)·k·k. */
  get fanIn(): number {
    return (this.inChannels / this.groups) * this.kernel * this.kernel;
  }

  outputSize(h: number, w: number): [number, number] {
    const f = (n: number) => Math.floor((n + 2 * this.padding - this.kernel) / this.stride) + 1;
    return [f(h), f(w)];
  }

  forward(x: Tensor): Tensor {
    const p = this.padding;
    const xp = p > 0 ? padSpatial(x, p, BINARY_PAD_VALUE) : x;
    return conv2d(xp, quantize(this.weight, this.kernelQuantizer), null, { stride: this.stride, groups: this.groups });
  }

  /** Clips the latent weights to [−1, 1] (call after each optimizer step). */
  clipLatent(): void {
    clipInPlace(this.weight.f32);
  }
}

export function clipInPlace(w: Float32Array): void {
  for (let i = 0; i < w.length; i++) w[i] = w[i] > 1 ? 1 : w[i] < -1 ? -1 : w[i];
}

/** Pads the H and W axes of an NCHW tensor by p on each side with `value` (gradient: the interior). */
export function padSpatial(x: Tensor, p: number, value: number): Tensor {
  const [N, C, H, W] = x.shape, PH = H + 2 * p, PW = W + 2 * p;
  return customOp('padSpatial', [x], [N, C, PH, PW], ([X]) => {
    const out = new Float32Array(N * C * PH * PW).fill(value);
    for (let nc = 0; nc < N * C; nc++) {
      for (let h = 0; h < H; h++) out.set(X.subarray((nc * H + h) * W, (nc * H + h + 1) * W), (nc * PH + h + p) * PW + p);
    }
    return out;
  }, (gy) => {
    const g = new Float32Array(N * C * H * W);
    for (let nc = 0; nc < N * C; nc++) {
      for (let h = 0; h < H; h++) g.set(gy.subarray((nc * PH + h + p) * PW + p, (nc * PH + h + p) * PW + p + W), (nc * H + h) * W);
    }
    return [g];
  });
}
