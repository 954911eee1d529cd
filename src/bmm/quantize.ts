// Prototype storage precisions. With b = 8 or 4 bits and L = 2^b:
//   μ: q = clamp(round(L·μ), 1, L − 1), μ̂ = q / L        (the §2.6 sampling thresholds for b = 8)
//   π: q = clamp(round(256·π), 1, 255) (always 8 bits), π̂ = q / Σq
// so |μ̂ − μ| ≤ 1/(2L) for μ ∈ [1/(2L), 1 − 1/(2L)] and < 1/L at the clamps; no stored probability is
// 0 or 1. 'f32' rounds μ and π to float32. After dequantisation μ̂ is clamped to the model's
// [ε, 1 − ε] and π̂ renormalised (the BernoulliMixture constructor enforces both).
import { type Precision, precisionBits } from './memory.js';
import { BernoulliMixture } from './model.js';

/** Integer code of μ at `bits` (8 or 4) bits. */
export function quantizeProbability(p: number, bits: number): number {
  const L = 1 << bits;
  return Math.min(L - 1, Math.max(1, Math.round(L * p)));
}

export function dequantizeProbability(q: number, bits: number): number {
  return q / (1 << bits);
}

/** The largest |μ̂ − μ| over all μ ∈ [0, 1] for a precision: one quantisation step (0 bound for f32 is 2^-24). */
export function quantizationStep(precision: Precision): number {
  const b = precisionBits(precision).mu;
  return b === 32 ? 2 ** -24 : 1 / (1 << b);
}

/** The model as it reads back after storage at `precision` (what deserialize(serialize(m, p)) returns). */
export function quantizeModel(m: BernoulliMixture, precision: Precision): BernoulliMixture {
  const b = precisionBits(precision);
  const mu = new Float64Array(m.mu.length);
  const pi = new Float64Array(m.components);
  if (b.mu === 32) {
    for (let i = 0; i < mu.length; i++) mu[i] = Math.fround(m.mu[i]);
    for (let k = 0; k < pi.length; k++) pi[k] = Math.fround(m.pi[k]);
  } else {
    for (let i = 0; i < mu.length; i++) mu[i] = dequantizeProbability(quantizeProbability(m.mu[i], b.mu), b.mu);
    for (let k = 0; k < pi.length; k++) pi[k] = quantizeProbability(m.pi[k], 8);
  }
  return new BernoulliMixture({ components: m.components, bits: m.bits, mu, pi, eps: m.eps });
}
