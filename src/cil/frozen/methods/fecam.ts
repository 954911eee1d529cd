// FeCAM (Goswami et al., "FeCAM: Exploiting the Heterogeneity of Class Distributions in
// Exemplar-Free Continual Learning", NeurIPS 2023; docs/methods-cil.md §6.4). Training-free after the
// base task: features pass Tukey's ladder of powers (x ↦ sign(x)|x|^β, β = 0.5) and L2
// normalisation; each class keeps its mean and covariance, the covariance is shrunk
// (Σ + γ₁·V₁·I + γ₂·V₂·(1 − I), V₁ the mean variance, V₂ the mean off-diagonal covariance) and
// normalised to unit diagonal, and a feature goes to the class of smallest Mahalanobis distance
// (x − μ_c)ᵀ Σ_c⁻¹ (x − μ_c). Its memory is C · (d + d(d+1)/2) float32 values: the covariances
// dominate, and the results count them.
import { matmul } from '../../../engine/ops/matmul.js';
import { noGrad, Tensor } from '../../../engine/tensor.js';
import type { FeatureMethod, FeatureMethodEntry } from '../method.js';
import { rowsByClass } from './classStats.js';

export interface FecamOptions { beta: number; shrink1: number; shrink2: number }

/** Tukey's power transform and L2 normalisation of one row, in place. */
export function fecamTransform(row: Float32Array, beta: number): Float32Array {
  let norm = 0;
  for (let d = 0; d < row.length; d++) {
    const v = row[d];
    row[d] = beta === 1 ? v : Math.sign(v) * Math.abs(v) ** beta;
    norm += row[d] * row[d];
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < row.length; d++) row[d] /= norm;
  return row;
}

/** Shrunk, unit-diagonal covariance (d × d, float64) of `rows` (each already transformed). */
export function shrunkCovariance(rows: readonly Float32Array[], mean: Float64Array, o: Pick<FecamOptions, 'shrink1' | 'shrink2'>): Float64Array {
  const d = mean.length, n = rows.length;
  const cov = new Float64Array(d * d);
  const t = new Float64Array(d);
  for (const r of rows) {
    for (let a = 0; a < d; a++) t[a] = r[a] - mean[a];
    for (let a = 0; a < d; a++) { const ta = t[a]; if (ta === 0) continue; for (let b = a; b < d; b++) cov[a * d + b] += ta * t[b]; }
  }
  const denom = Math.max(1, n - 1);
  let diag = 0, off = 0, offCount = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / denom;
      cov[a * d + b] = v; cov[b * d + a] = v;
      if (a === b) diag += v; else if (v !== 0) { off += 2 * v; offCount += 2; }
    }
  }
  const v1 = diag / d, v2 = offCount ? off / offCount : 0;
  // A class without spread (one training sample): identity covariance, i.e. Euclidean distance.
  if (!(v1 > 0)) return Float64Array.from({ length: d * d }, (_, k) => (k % (d + 1) === 0 ? 1 : 0));
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] += a === b ? o.shrink1 * v1 : o.shrink2 * v2;
  const sd = Float64Array.from({ length: d }, (_, a) => Math.sqrt(cov[a * d + a]) || 1);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] /= sd[a] * sd[b];
  return cov;
}

/** L⁻¹ of the Cholesky factor Σ = L·Lᵀ (so d² = ‖L⁻¹(x − μ)‖²), float64 d × d lower-triangular. */
export function inverseCholesky(cov: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i * d + j];
      for (let k = 0; k < j; k++) s -= L[i * d + k] * L[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`FeCAM: covariance is not positive definite at row ${i} (pivot ${s}); raise the shrinkage`);
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  }
  const inv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    inv[j * d + j] = 1 / L[j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * d + k] * inv[k * d + j];
      inv[i * d + j] = s / L[i * d + i];
    }
  }
  return inv;
}

/** Squared Mahalanobis distances of n transformed rows to one class: ‖(X − μ)·Wᵀ‖² per row. */
export function mahalanobis(x: Float32Array, n: number, mean: Float32Array, invL: Float32Array): Float64Array {
  const d = mean.length;
  const centred = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) centred[i * d + k] = x[i * d + k] - mean[k];
  const y = noGrad(() => matmul(new Tensor(centred, [n, d]), new Tensor(invL, [d, d]), { transB: true })).f32;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < d; k++) { const v = y[i * d + k]; s += v * v; } out[i] = s; }
  return out;
}

export const fecam: FeatureMethodEntry<FecamOptions> = {
  description: 'FeCAM: per-class mean + shrunk, normalised covariance; Mahalanobis nearest class (training-free)',
  options: {
    beta: { kind: 'number', min: 0.01, max: 1, default: 0.5, help: "Tukey's power transform exponent (1: none)" },
    shrink1: { kind: 'number', min: 0, default: 1, help: 'γ₁: diagonal shrinkage (× mean variance)' },
    shrink2: { kind: 'number', min: 0, default: 1, help: 'γ₂: off-diagonal shrinkage (× mean covariance)' },
  },
  create: (o, dim): FeatureMethod => {
    const classes: { id: number; mean: Float32Array; invL: Float32Array }[] = [];
    const transform = (x: Float32Array, n: number): Float32Array => {
      const t = Float32Array.from(x.subarray(0, n * dim));
      for (let i = 0; i < n; i++) fecamTransform(t.subarray(i * dim, (i + 1) * dim), o.beta);
      return t;
    };
    return {
      name: 'fecam',
      learnStep: (data) => {
        const t = transform(data.x, data.n);
        for (const [c, rows] of [...rowsByClass(data.y)].sort((a, b) => a[0] - b[0])) {
          const rs = rows.map((i) => t.subarray(i * dim, (i + 1) * dim));
          const mean = new Float64Array(dim);
          for (const r of rs) for (let k = 0; k < dim; k++) mean[k] += r[k] / rs.length;
          const inv = inverseCholesky(shrunkCovariance(rs, mean, o), dim);
          classes.push({ id: c, mean: Float32Array.from(mean), invL: Float32Array.from(inv) });
        }
      },
      predict: (x, n) => {
        const t = transform(x, n);
        const best = new Float64Array(n).fill(Infinity), out = new Int32Array(n);
        for (const c of classes) {
          const dist = mahalanobis(t, n, c.mean, c.invL);
          for (let i = 0; i < n; i++) if (dist[i] < best[i]) { best[i] = dist[i]; out[i] = c.id; }
        }
        return out;
      },
      memory: () => ({ means: classes.length * dim * 32, covariances: classes.length * (dim * (dim + 1) / 2) * 32 }),
      classifierBits: () => 0,
      describe: () => `FeCAM (Tukey β = ${o.beta}, shrinkage γ₁ = ${o.shrink1}, γ₂ = ${o.shrink2}, normalised covariance) on ${dim} float features`,
    };
  },
};
