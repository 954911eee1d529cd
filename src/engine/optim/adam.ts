import { getKernels } from '../kernels/index.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface AdamConfig { lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }

/** Adam (L2 weight decay added to the gradient, as torch.optim.Adam). */
export class Adam extends Optimizer {
  readonly type: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly decoupled: boolean = false;

  constructor(params: readonly Tensor[], cfg: AdamConfig = {}) {
    super(params, cfg.lr ?? 1e-3);
    this.beta1 = cfg.beta1 ?? 0.9;
    this.beta2 = cfg.beta2 ?? 0.999;
    this.eps = cfg.eps ?? 1e-8;
    this.weightDecay = cfg.weightDecay ?? 0;
    for (const [k, v] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(v >= 0 && v < 1)) throw new RangeError(`${this.constructor.name}: ${k} must be in [0, 1), got ${v}`);
    }
  }

  protected hyper() {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected update(p: Float32Array, g: Float32Array, i: number): void {
    const { lr, beta1, beta2, eps, weightDecay: wd } = this;
    // One kernel call per parameter tensor (wasm: in f64 SIMD, over threads; the same bits as the reference loop).
    getKernels().adamStep(p, g, this.slot('m', i), this.slot('v', i), {
      beta1, beta2, eps,
      l2: this.decoupled ? 0 : wd, decay: this.decoupled ? 1 - lr * wd : 1,
      stepSize: lr / (1 - beta1 ** this.stepCount), sq: Math.sqrt(1 - beta2 ** this.stepCount),
    });
  }
}

/** AdamW: weight decay decoupled from the gradient statistics (Loshchilov & Hutter). */
export class AdamW extends Adam {
  override readonly type = 'adamw';
  protected override readonly decoupled = true;

  constructor(params: readonly Tensor[], cfg: AdamConfig = {}) {
    super(params, { weightDecay: 0.01, ...cfg });
  }
}
