// A fitted Bernoulli mixture: K prototypes μ_k ∈ (0,1)^D (μ_kd = P(z_d = 1) = P(b_d = +1)) and
// mixing weights π. The constructor is the single place that enforces the invariants every other
// part relies on: μ clamped to [ε, 1 − ε] (so all logs are finite) and π normalised to sum 1.
import type { Rng } from '../engine/random.js';
import { type KernelChoice, resolveKernels } from './backend.js';
import { eStep } from './estep.js';
import { type Precision, bmmMemoryBits } from './memory.js';
import { type PackedRows, validatePackedRows } from '../engine/bits.js';
import { type SampleOptions, type SampleResult, sampleMixture } from './sample.js';

export const DEFAULT_EPS = 1e-4;

export interface BmmParams {
  readonly components: number;
  readonly bits: number;
  /** components × bits probabilities, row-major. */
  readonly mu: ArrayLike<number>;
  /** components mixing weights (non-negative, normalised here). */
  readonly pi: ArrayLike<number>;
  /** Clamp: μ is stored in [eps, 1 − eps]. Default 1e-4. */
  readonly eps?: number;
}

export function checkEps(eps: number, what: string): void {
  if (!(eps > 0 && eps < 0.5)) throw new RangeError(`${what}: expected a number in (0, 0.5), got ${eps}`);
}

export class BernoulliMixture {
  readonly components: number;
  readonly bits: number;
  readonly eps: number;
  /** components × bits, row-major, every entry in [eps, 1 − eps]. */
  readonly mu: Float64Array;
  /** components, Σ = 1. */
  readonly pi: Float64Array;

  constructor(p: BmmParams) {
    const { components: K, bits: D } = p;
    const eps = p.eps ?? DEFAULT_EPS;
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`BernoulliMixture: components must be an integer ≥ 1, got ${K}`);
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`BernoulliMixture: bits must be an integer ≥ 1, got ${D}`);
    checkEps(eps, 'BernoulliMixture: eps');
    if (p.mu?.length !== K * D) throw new RangeError(`BernoulliMixture: mu must hold components × bits = ${K * D} values, got ${p.mu?.length}`);
    if (p.pi?.length !== K) throw new RangeError(`BernoulliMixture: pi must hold components = ${K} values, got ${p.pi?.length}`);
    this.components = K;
    this.bits = D;
    this.eps = eps;
    this.mu = new Float64Array(K * D);
    for (let i = 0; i < K * D; i++) {
      const m = p.mu[i];
      if (!(m >= 0 && m <= 1)) throw new RangeError(`BernoulliMixture: mu[${i}] must be a probability in [0, 1], got ${m}`);
      this.mu[i] = m < eps ? eps : m > 1 - eps ? 1 - eps : m;
    }
    this.pi = new Float64Array(K);
    let total = 0;
    for (let k = 0; k < K; k++) {
      const w = p.pi[k];
      if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`BernoulliMixture: pi[${k}] must be a finite weight ≥ 0, got ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('BernoulliMixture: pi must have a positive sum');
    // Weights that already sum to 1 up to float32 rounding are kept as given, so a stored model reads
    // back bit-identically and a save → load → save cycle is a fixed point.
    const scale = Math.abs(total - 1) <= 1e-6 ? 1 : total;
    for (let k = 0; k < K; k++) this.pi[k] = p.pi[k] / scale;
  }

  /** Prototype k as a view (do not modify). */
  prototype(k: number): Float64Array {
    if (!Number.isInteger(k) || k < 0 || k >= this.components) throw new RangeError(`prototype: k must be an integer in [0, ${this.components - 1}], got ${k}`);
    return this.mu.subarray(k * this.bits, (k + 1) * this.bits);
  }

  private checkRows(x: PackedRows, what: string): void {
    validatePackedRows(x, what);
    if (x.bits !== this.bits) throw new RangeError(`${what}.bits: expected ${this.bits} (the model's bit width), got ${x.bits}`);
  }

  /** log p(z_i) for every row (nats). */
  logLikelihoods(x: PackedRows, kernels: KernelChoice = 'auto'): Float64Array {
    this.checkRows(x, 'logLikelihoods: x');
    const ws = resolveKernels(kernels).workspace(x.data, x.rows, x.bits, this.components);
    const rowLogLik = new Float64Array(x.rows);
    eStep(ws, this.mu, this.pi, this.components, { rowLogLik });
    return rowLogLik;
  }

  /** (1/N) Σ_i log p(z_i). */
  meanLogLikelihood(x: PackedRows, kernels: KernelChoice = 'auto'): number {
    this.checkRows(x, 'meanLogLikelihood: x');
    const ws = resolveKernels(kernels).workspace(x.data, x.rows, x.bits, this.components);
    return eStep(ws, this.mu, this.pi, this.components) / x.rows;
  }

  /** rows × components posterior probabilities γ_ik. */
  responsibilities(x: PackedRows, kernels: KernelChoice = 'auto'): Float64Array {
    this.checkRows(x, 'responsibilities: x');
    const ws = resolveKernels(kernels).workspace(x.data, x.rows, x.bits, this.components);
    const gamma = new Float64Array(x.rows * this.components);
    eStep(ws, this.mu, this.pi, this.components, { gamma });
    return gamma;
  }

  /** n fresh packed rows: component k ~ π, then each bit d ~ Bernoulli(μ_kd). */
  sample(n: number, rng: Rng, opts: SampleOptions = {}): SampleResult {
    return sampleMixture(this, n, rng, opts);
  }

  /** Storage cost of the parameters in bits: K · (D · b_μ + b_π) (headers excluded). */
  memoryBits(precision: Precision = 'f32'): number {
    return bmmMemoryBits(this.components, this.bits, precision);
  }

  /** Number of free parameters, K·D + (K − 1), as used by BIC. */
  freeParameters(): number {
    return this.components * this.bits + this.components - 1;
  }
}
