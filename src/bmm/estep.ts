// The E-step in the log domain: ℓ_ik = log π_k + Σ_d log(1 − μ_kd) + Σ_{d: z_id = 1} logit(μ_kd),
// log p(z_i) = logsumexp_k ℓ_ik (max-shifted), γ_ik = exp(ℓ_ik − log p(z_i)). This file prepares the
// per-component weights (logits) and constants; the bit sums and the logsumexp run in the
// workspace's kernels (posteriors()).
import { type BmmWorkspace, laneStride } from './kernels.js';

/** Writes logit(μ) into ws.weights ([bitsPadded][laneStride(K)]) and log π_k + Σ_d log(1 − μ_kd) into ws.consts. */
export function prepareEStep(ws: BmmWorkspace, mu: Float64Array, pi: Float64Array, K: number): void {
  const D = ws.bits;
  const S = laneStride(K);
  const W = ws.weights;
  W.fill(0, 0, ws.bitsPadded * S);
  ws.consts.fill(0, 0, S);
  for (let k = 0; k < K; k++) {
    let base = Math.log(pi[k]);
    const row = k * D;
    for (let d = 0; d < D; d++) {
      const m = mu[row + d];
      const l1m = Math.log1p(-m);
      base += l1m;
      W[d * S + k] = Math.log(m) - l1m;
    }
    ws.consts[k] = base;
  }
}

export interface EStepOutputs {
  /** [rows] log p(z_i), filled when given. */
  rowLogLik?: Float64Array;
  /** [rows][K] responsibilities γ_ik, filled when given. */
  gamma?: Float64Array;
}

/**
 * One E-step of the mixture (mu: K × bits row-major, entries in (0, 1); pi: K) over the workspace's
 * rows; returns Σ_i log p(z_i). The workspace keeps rowLogLik, nk and posterior() for the caller.
 */
export function eStep(ws: BmmWorkspace, mu: Float64Array, pi: Float64Array, K: number, out: EStepOutputs = {}): number {
  prepareEStep(ws, mu, pi, K);
  const total = ws.posteriors(K);
  if (out.rowLogLik) out.rowLogLik.set(ws.rowLogLik);
  if (out.gamma) {
    const S = laneStride(K);
    const post = ws.posterior();
    for (let i = 0; i < ws.rows; i++) for (let k = 0; k < K; k++) out.gamma[i * K + k] = post[i * S + k];
  }
  return total;
}
