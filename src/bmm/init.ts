// EM initialisation (docs/methods-cil.md §2.5). 'blend' (default, as in tools/bmm_ref.py): K distinct
// random members r_k, μ_k = 0.5·z_{r_k} + 0.5·mean(z), π uniform. 'kmeans++': k-means++ seeding on
// Hamming distance (next centre drawn ∝ squared distance to the nearest chosen one), then one hard
// assignment step: μ_k = mean of the rows nearest to centre k, π_k = its share of the rows.
import { popcount32 } from '../engine/bits.js';
import type { Rng } from '../engine/random.js';
import type { BmmWorkspace } from './kernels.js';
import { laneStride } from './kernels.js';

export type InitMethod = 'blend' | 'kmeans++';

export interface InitState {
  mu: Float64Array;
  pi: Float64Array;
}

export function hamming(data: Uint32Array, words: number, a: number, b: number): number {
  let h = 0;
  const oa = a * words, ob = b * words;
  for (let w = 0; w < words; w++) h += popcount32(data[oa + w] ^ data[ob + w]);
  return h;
}

function clampInto(mu: Float64Array, eps: number): void {
  for (let i = 0; i < mu.length; i++) mu[i] = Math.min(1 - eps, Math.max(eps, mu[i]));
}

/** K distinct rows, uniformly (partial Fisher–Yates over 0..N−1). */
function distinctRows(N: number, K: number, rng: Rng): Int32Array {
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) idx[i] = i;
  for (let k = 0; k < K; k++) {
    const j = k + rng.int(N - k);
    const t = idx[k]; idx[k] = idx[j]; idx[j] = t;
  }
  return idx.slice(0, K);
}

/** μ row k ← 0.5·z_r + 0.5·mean. */
export function blendRow(mu: Float64Array, k: number, data: Uint32Array, words: number, r: number, mean: Float64Array): void {
  const D = mean.length;
  for (let d = 0; d < D; d++) {
    const z = (data[r * words + (d >>> 5)] >>> (d & 31)) & 1;
    mu[k * D + d] = 0.5 * z + 0.5 * mean[d];
  }
}

export function initBlend(data: Uint32Array, words: number, N: number, K: number, mean: Float64Array, eps: number, rng: Rng): InitState {
  const mu = new Float64Array(K * mean.length);
  const rows = distinctRows(N, K, rng);
  for (let k = 0; k < K; k++) blendRow(mu, k, data, words, rows[k], mean);
  clampInto(mu, eps);
  return { mu, pi: new Float64Array(K).fill(1 / K) };
}

export function initKmeansPP(ws: BmmWorkspace, data: Uint32Array, K: number, mean: Float64Array, eps: number, rng: Rng): InitState {
  const N = ws.rows, words = ws.wordsPerRow, D = ws.bits;
  const centres = new Int32Array(K);
  centres[0] = rng.int(N);
  const dist = new Float64Array(N);
  for (let i = 0; i < N; i++) dist[i] = hamming(data, words, i, centres[0]);
  for (let k = 1; k < K; k++) {
    let total = 0;
    for (let i = 0; i < N; i++) total += dist[i] * dist[i];
    let pick = N - 1;
    if (total > 0) {
      // Inverse-CDF draw ∝ dist²; rows at distance 0 (already chosen) can never be picked.
      const u = rng.float() * total;
      let c = 0;
      for (let i = 0; i < N; i++) {
        c += dist[i] * dist[i];
        if (u < c && dist[i] > 0) { pick = i; break; }
      }
      while (dist[pick] === 0) pick--; // only reachable through rounding at the top end
    } else {
      pick = rng.int(N); // every row equals a chosen centre: fall back to a uniform pick
    }
    centres[k] = pick;
    for (let i = 0; i < N; i++) dist[i] = Math.min(dist[i], hamming(data, words, i, pick));
  }
  // One hard assignment (ties → lowest k), cluster means through the M-step kernel with one-hot γ.
  const S = laneStride(K);
  const g = ws.gamma;
  g.fill(0, 0, N * S);
  const counts = new Float64Array(K);
  for (let i = 0; i < N; i++) {
    let best = 0, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      const h = hamming(data, words, i, centres[k]);
      if (h < bestD) { bestD = h; best = k; }
    }
    g[i * S + best] = 1;
    counts[best]++;
  }
  const sums = ws.bitSums(K);
  const mu = new Float64Array(K * D);
  const pi = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    if (counts[k] > 0) {
      for (let d = 0; d < D; d++) mu[k * D + d] = sums[d * S + k] / counts[k];
      pi[k] = counts[k] / N;
    } else {
      // Empty only when the centre duplicates an earlier one; start it like 'blend' with weight 1/N.
      blendRow(mu, k, data, words, centres[k], mean);
      pi[k] = 1 / N;
    }
  }
  let t = 0;
  for (let k = 0; k < K; k++) t += pi[k];
  for (let k = 0; k < K; k++) pi[k] /= t;
  clampInto(mu, eps);
  return { mu, pi };
}
