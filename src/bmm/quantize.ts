// Prototype storage precisions. With b = 8 or 4 bits and L = 2^b:
//   μ: q = clamp(round(L·μ), 1, L − 1), μ̂ = q / L        (the §2.6 sampling thresholds for b = 8)
//   π: 8-bit codes q ∈ [1, 255] with Σq = 256 (largest remainder), π̂ = q / 256 — exactly
//      representable, so quantising π̂ again gives the same codes (K = 1: q = 255, π̂ = 1)
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

/**
 * 8-bit codes of the mixing weights: each in [1, 255], summing to exactly 256 (largest-remainder
 * rounding of 256·π), so π̂ = q/256 needs no renormalisation and re-quantises to the same codes.
 */
export function quantizeWeights(pi: ArrayLike<number>): Uint8Array {
  const K = pi.length;
  if (K === 1) return Uint8Array.of(255);
  if (K > 256) throw new RangeError(`quantizeWeights: at most 256 components fit 8-bit weights, got ${K}`);
  const q = new Uint8Array(K);
  const raw = Array.from(pi, (p) => 256 * p);
  let sum = 0;
  for (let k = 0; k < K; k++) { q[k] = Math.min(255, Math.max(1, Math.floor(raw[k]))); sum += q[k]; }
  // Hand out (or take back) the remaining units by largest (smallest) remainder; ties by index.
  const order = [...q.keys()].sort((a, b) => (raw[b] - q[b]) - (raw[a] - q[a]) || a - b);
  for (let i = 0; sum < 256; i = (i + 1) % K) if (q[order[i]] < 255) { q[order[i]]++; sum++; }
  for (let i = K - 1; sum > 256; i = (i + K - 1) % K) if (q[order[i]] > 1) { q[order[i]]--; sum--; }
  return q;
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
    const q = quantizeWeights(m.pi);
    for (let k = 0; k < pi.length; k++) pi[k] = q[k] / 256;
  }
  return new BernoulliMixture({ components: m.components, bits: m.bits, mu, pi, eps: m.eps });
}
