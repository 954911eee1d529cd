// Shared fixtures for the BMM tests: planted mixtures and component matching.
import { Rng } from '../../src/engine/random.js';
import { packedWords } from '../../src/engine/kernels/types.js';
import type { PackedRows } from '../../src/engine/bits.js';

export interface Planted {
  x: PackedRows;
  labels: Int32Array;
  mu: Float64Array;
  pi: Float64Array;
}

/** N rows from a mixture with the given prototypes (K × D) and weights. */
export function plantedRows(N: number, D: number, mu: Float64Array, pi: Float64Array, seed: number): Planted {
  const rng = new Rng(seed);
  const K = pi.length;
  const words = packedWords(D);
  const data = new Uint32Array(N * words);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let u = rng.float(), k = 0;
    while (k < K - 1 && u >= pi[k]) { u -= pi[k]; k++; }
    labels[i] = k;
    for (let d = 0; d < D; d++) if (rng.float() < mu[k * D + d]) data[i * words + (d >>> 5)] |= 1 << (d & 31);
  }
  return { x: { data, rows: N, bits: D }, labels, mu, pi };
}

/** K × D prototypes, each entry ~ U(lo, hi). */
export function randomPrototypes(K: number, D: number, seed: number, lo = 0.05, hi = 0.95): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: K * D }, () => rng.uniform(lo, hi));
}

export function randomRows(N: number, D: number, seed: number, p = 0.5): PackedRows {
  return plantedRows(N, D, new Float64Array(D).fill(p), new Float64Array([1]), seed).x;
}

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

/** perm[k] = the fitted component matched to true component k (min total L1 distance; K ≤ 6). */
export function matchComponents(trueMu: Float64Array, fitMu: Float64Array, K: number, D: number): number[] {
  let best: number[] = [], bestCost = Infinity;
  for (const p of permutations(K)) {
    let c = 0;
    for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) c += Math.abs(trueMu[k * D + d] - fitMu[p[k] * D + d]);
    if (c < bestCost) { bestCost = c; best = p; }
  }
  return best;
}

/** Naive per-bit reading, independent of the kernels. */
export function bitOf(x: PackedRows, row: number, d: number): number {
  return (x.data[row * packedWords(x.bits) + (d >>> 5)] >>> (d & 31)) & 1;
}
