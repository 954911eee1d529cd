// Feature binarizers that turn a float backbone's pooled features into binary codes for GBM
// (docs/methods-cil.md §2.7). Output is ±1 floats (bit 1 ↔ +1, H(0) = 1 so it matches sign(0) = +1);
// gradients flow through a straight-through estimator, so the backbone learns features that
// binarize well during base training.
import { batchNorm, type BatchNormState } from '../engine/ops/index.js';
import { fmt, ShapeError } from '../engine/shape.js';
import { customOp, Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export type BinarizerKind = 'heaviside' | 'thermometer';

export interface BinarizerConfig {
  kind: BinarizerKind;
  /** Input features (e.g. 512 after ResNet-18's global pooling). */
  features: number;
  /** Thermometer levels T (output D = features·T); ignored for Heaviside. Default 4. */
  levels?: number;
  /** Learn the thresholds (default: Heaviside yes, thermometer no — fixed equiprobable levels). */
  learnThresholds?: boolean;
}

/**
 * z = H(BN(h)_d − θ_{d,j}) for each feature d and level j, as ±1. Output [N, features·levels],
 * feature-major (all levels of feature 0 first), levels in increasing threshold order.
 */
export class Binarizer extends Module {
  readonly kind: BinarizerKind;
  readonly features: number;
  readonly levels: number;
  readonly thresholds: Tensor;
  readonly norm: BatchNormState & { gamma: Tensor; beta: Tensor };

  constructor(cfg: BinarizerConfig) {
    super();
    if (!Number.isInteger(cfg.features) || cfg.features < 1) throw new RangeError(`Binarizer: features must be a positive integer, got ${cfg.features}`);
    this.kind = cfg.kind;
    this.features = cfg.features;
    this.levels = cfg.kind === 'heaviside' ? 1 : cfg.levels ?? 4;
    if (!Number.isInteger(this.levels) || this.levels < 1) throw new RangeError(`Binarizer: levels must be a positive integer, got ${cfg.levels}`);
    if (cfg.kind !== 'heaviside' && cfg.kind !== 'thermometer') throw new TypeError(`Binarizer: kind must be 'heaviside' or 'thermometer', got '${String(cfg.kind)}'`);
    const learn = cfg.learnThresholds ?? cfg.kind === 'heaviside';
    const th = new Float32Array(this.features * this.levels);
    for (let d = 0; d < this.features; d++) {
      for (let j = 0; j < this.levels; j++) th[d * this.levels + j] = this.levels === 1 ? 0 : normalQuantile((j + 1) / (this.levels + 1));
    }
    this.thresholds = new Tensor(th, [this.features, this.levels], learn);
    if (learn) this.addParam('thresholds', this.thresholds);
    else this.addBuffer('thresholds', th);
    const gamma = this.addParam('bnGamma', new Tensor(new Float32Array(this.features).fill(1), [this.features], true));
    const beta = this.addParam('bnBeta', new Tensor(new Float32Array(this.features), [this.features], true));
    this.norm = {
      gamma, beta,
      runningMean: this.addBuffer('bnRunningMean', new Float32Array(this.features)),
      runningVar: this.addBuffer('bnRunningVar', new Float32Array(this.features).fill(1)),
    };
  }

  /** Output code length D in bits. */
  get bits(): number {
    return this.features * this.levels;
  }

  forward(h: Tensor): Tensor {
    if (h.rank !== 2 || h.shape[1] !== this.features) throw new ShapeError('Binarizer', `expects [N, ${this.features}] features, got ${fmt(h.shape)}`);
    const x = batchNorm(h, this.norm.gamma, this.norm.beta, this.norm, { training: this.training });
    const N = h.shape[0], F = this.features, T = this.levels;
    return customOp('binarize', [x, this.thresholds], [N, F * T],
      ([X, TH]) => {
        const z = new Float32Array(N * F * T);
        for (let n = 0; n < N; n++) {
          for (let d = 0; d < F; d++) {
            const v = X[n * F + d];
            for (let j = 0; j < T; j++) z[(n * F + d) * T + j] = v - TH[d * T + j] >= 0 ? 1 : -1;
          }
        }
        return z;
      },
      // STE: ∂z/∂x = 1{|x − θ| ≤ 1}, ∂z/∂θ = −∂z/∂x.
      (gy, [X, TH]) => {
        const gx = new Float32Array(N * F), gt = new Float32Array(F * T);
        for (let n = 0; n < N; n++) {
          for (let d = 0; d < F; d++) {
            const v = X[n * F + d];
            for (let j = 0; j < T; j++) {
              const k = (n * F + d) * T + j;
              if (Math.abs(v - TH[d * T + j]) <= 1) { gx[n * F + d] += gy[k]; gt[d * T + j] -= gy[k]; }
            }
          }
        }
        return [gx, gt];
      });
  }
}
