import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface SgdConfig { lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number; dampening?: number }

/** SGD with momentum / Nesterov and L2 weight decay, matching torch.optim.SGD's update rule. */
export class SGD extends Optimizer {
  readonly type = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly dampening: number;

  constructor(params: readonly Tensor[], cfg: SgdConfig) {
    super(params, cfg.lr);
    this.momentum = cfg.momentum ?? 0;
    this.nesterov = cfg.nesterov ?? false;
    this.weightDecay = cfg.weightDecay ?? 0;
    this.dampening = cfg.dampening ?? 0;
    if (this.momentum < 0 || this.weightDecay < 0) throw new RangeError('SGD: momentum and weightDecay must be ≥ 0');
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new RangeError('SGD: Nesterov needs momentum > 0 and dampening 0');
  }

  protected hyper() {
    return { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay, dampening: this.dampening };
  }

  protected update(p: Float32Array, g: Float32Array, i: number): void {
    const { lr, momentum: mu, weightDecay: wd, dampening: damp, nesterov } = this;
    if (mu === 0) {
      for (let j = 0; j < p.length; j++) p[j] -= lr * (g[j] + wd * p[j]);
      return;
    }
    const buf = this.slot('momentum', i);
    const first = this.stepCount === 1;
    for (let j = 0; j < p.length; j++) {
      const d = g[j] + wd * p[j];
      buf[j] = first ? d : mu * buf[j] + (1 - damp) * d;
      p[j] -= lr * (nesterov ? d + mu * buf[j] : buf[j]);
    }
  }
}
