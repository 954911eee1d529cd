// Sampling pseudo-embeddings from a mixture, straight into the packed layout (bit 1 ↔ z = 1 ↔ +1).
// 'exact' compares a 32-bit uniform per bit with μ (P(bit) = μ up to 2^-32). 'byte' is the fast
// path of docs/methods-cil.md §2.6: q_d = clamp(round(256·μ_d), 1, 255) and bit d = [random byte < q_d],
// four bytes per 32-bit draw, so P(bit) = q_d / 256 (within 1/512 of μ away from the clamps).
import { packedWords } from '../engine/kernels/types.js';
import type { Rng } from '../engine/random.js';
import type { PackedRows } from '../engine/bits.js';

export interface SampleOptions {
  /** 'exact' (default) or 'byte' (8-bit probabilities, 4 bits per random word). */
  method?: 'exact' | 'byte';
}

export interface SampleResult {
  readonly rows: PackedRows;
  /** The component each row was drawn from. */
  readonly components: Int32Array;
}

interface MixtureLike {
  readonly components: number;
  readonly bits: number;
  readonly mu: Float64Array;
  readonly pi: Float64Array;
}

/** Categorical draw by inverse CDF; the last component absorbs rounding of Σπ. */
function drawComponent(pi: Float64Array, rng: Rng): number {
  const u = rng.float();
  let c = 0;
  for (let k = 0; k < pi.length - 1; k++) {
    c += pi[k];
    if (u < c) return k;
  }
  return pi.length - 1;
}

export function sampleMixture(m: MixtureLike, n: number, rng: Rng, opts: SampleOptions = {}): SampleResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample: n must be an integer ≥ 0, got ${n}`);
  if (rng === null || typeof rng !== 'object' || typeof rng.nextU32 !== 'function') throw new TypeError('sample: rng must be a seeded Rng (src/engine/random.ts)');
  const method = opts.method ?? 'exact';
  if (method !== 'exact' && method !== 'byte') throw new RangeError(`sample: method must be 'exact' or 'byte', got ${String(method)}`);
  const D = m.bits;
  const words = packedWords(D);
  const data = new Uint32Array(n * words);
  const comps = new Int32Array(n);
  const q = method === 'byte' ? byteThresholds(m.mu) : null;
  for (let i = 0; i < n; i++) {
    const k = drawComponent(m.pi, rng);
    comps[i] = k;
    const mu = k * D;
    const row = i * words;
    if (q === null) {
      for (let d = 0; d < D; d++) {
        if (rng.float() < m.mu[mu + d]) data[row + (d >>> 5)] |= 1 << (d & 31);
      }
    } else {
      for (let d = 0; d < D; d += 4) {
        const r = rng.nextU32();
        const end = Math.min(4, D - d);
        for (let j = 0; j < end; j++) {
          if (((r >>> (j << 3)) & 255) < q[mu + d + j]) data[row + ((d + j) >>> 5)] |= 1 << ((d + j) & 31);
        }
      }
    }
  }
  return { rows: { data, rows: n, bits: D }, components: comps };
}

/** q = clamp(round(256·μ), 1, 255): the 8-bit sampling thresholds of §2.6. */
export function byteThresholds(mu: Float64Array): Uint8Array {
  const q = new Uint8Array(mu.length);
  for (let i = 0; i < mu.length; i++) q[i] = Math.min(255, Math.max(1, Math.round(256 * mu[i])));
  return q;
}
