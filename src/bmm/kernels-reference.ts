// Plain-TypeScript BMM kernels: the oracle for asm/bmm.ts and the fallback where WebAssembly SIMD is
// unavailable. Summation orders mirror the wasm kernels exactly (see asm/bmm.ts for the layouts).
import { type BmmKernels, type BmmWorkspace, POSTERIOR_FLUSH, checkLanes, laneStride, workspaceShape } from './kernels.js';

class ReferenceWorkspace implements BmmWorkspace {
  readonly rows: number; readonly bits: number; readonly maxLanes: number;
  readonly bytePositions: number; readonly bitsPadded: number; readonly wordsPerRow: number;
  readonly weights: Float64Array;
  readonly consts: Float64Array;
  readonly gamma: Float64Array;
  readonly rowLogLik: Float64Array;
  readonly nk: Float64Array;
  private readonly data: Uint32Array;
  private postLanes = 0;
  private readonly tables: Float64Array;
  private readonly hist: Float64Array;
  private readonly out: Float64Array;
  private readonly sums: Float64Array;

  constructor(data: Uint32Array, rows: number, bits: number, maxLanes: number) {
    const s = workspaceShape(rows, bits, maxLanes);
    this.rows = rows; this.bits = bits; this.maxLanes = maxLanes;
    this.bytePositions = s.bytePositions; this.bitsPadded = s.bitsPadded; this.wordsPerRow = s.wordsPerRow;
    this.data = data;
    const S = laneStride(maxLanes);
    this.weights = new Float64Array(s.bitsPadded * S);
    this.consts = new Float64Array(S);
    this.gamma = new Float64Array(rows * S);
    this.rowLogLik = new Float64Array(rows);
    this.nk = new Float64Array(S);
    this.tables = new Float64Array(s.bytePositions * 256 * S);
    this.hist = new Float64Array(s.bytePositions * 256 * S);
    this.out = new Float64Array(rows * S);
    this.sums = new Float64Array(s.bitsPadded * S);
  }

  private byteAt(row: number, p: number): number {
    return (this.data[row * this.wordsPerRow + (p >>> 2)] >>> ((p & 3) << 3)) & 255;
  }

  scores(lanes: number): Float64Array {
    const S = checkLanes(this, lanes);
    const { bytePositions: P, weights: W, tables: T, out } = this;
    // T[p][v] = T[p][v & (v − 1)] + W[8p + ctz(v)]
    for (let p = 0; p < P; p++) {
      const tp = p * 256 * S;
      for (let k = 0; k < S; k++) T[tp + k] = 0;
      for (let v = 1; v < 256; v++) {
        const src = tp + (v & (v - 1)) * S;
        const w = (p * 8 + (31 - Math.clz32(v & -v))) * S;
        const dst = tp + v * S;
        for (let k = 0; k < S; k++) T[dst + k] = T[src + k] + W[w + k];
      }
    }
    // Four accumulators, one per byte lane p & 3, combined as (a0 + a1) + (a2 + a3).
    const acc = new Float64Array(4 * S);
    for (let i = 0; i < this.rows; i++) {
      acc.fill(0);
      for (let p = 0; p < P; p++) {
        const e = (p * 256 + this.byteAt(i, p)) * S;
        const a = (p & 3) * S;
        for (let k = 0; k < S; k++) acc[a + k] += T[e + k];
      }
      for (let k = 0; k < S; k++) out[i * S + k] = (acc[k] + acc[S + k]) + (acc[2 * S + k] + acc[3 * S + k]);
    }
    return out.subarray(0, this.rows * S);
  }

  posteriors(lanes: number): number {
    const S = laneStride(lanes);
    const sc = this.scores(lanes);
    const { consts: c, rowLogLik, nk } = this;
    const K = lanes;
    nk.fill(0);
    let total = 0;
    for (let i = 0; i < this.rows; i++) {
      const o = i * S;
      let m = -Infinity;
      for (let k = 0; k < K; k++) {
        const l = sc[o + k] + c[k];
        sc[o + k] = l;
        if (l > m) m = l;
      }
      let s = 0;
      for (let k = 0; k < K; k++) {
        const diff = sc[o + k] - m;
        const x = diff === 0 ? 1 : diff < POSTERIOR_FLUSH ? 0 : Math.exp(diff);
        sc[o + k] = x;
        s += x;
      }
      const lse = s === 1 ? m : m + Math.log(s);
      rowLogLik[i] = lse;
      total += lse;
      const inv = 1 / s;
      for (let k = 0; k < K; k++) {
        const g = sc[o + k] * inv;
        sc[o + k] = g;
        nk[k] += g;
      }
    }
    this.postLanes = lanes;
    return total;
  }

  posterior(): Float64Array {
    return this.out.subarray(0, this.rows * laneStride(this.postLanes));
  }

  bitSums(lanes: number, from: 'gamma' | 'posterior' = 'gamma'): Float64Array {
    const S = checkLanes(this, lanes);
    let G = this.gamma, GS = S;
    if (from === 'posterior') {
      if (lanes > this.postLanes) throw new RangeError(`bitSums: lanes (${lanes}) exceeds the lanes of the last posteriors() call (${this.postLanes})`);
      G = this.out; GS = laneStride(this.postLanes);
    }
    const { bytePositions: P, hist, sums } = this;
    hist.fill(0, 0, P * 256 * S);
    for (let i = 0; i < this.rows; i++) {
      for (let p = 0; p < P; p++) {
        const e = (p * 256 + this.byteAt(i, p)) * S;
        for (let k = 0; k < S; k++) hist[e + k] += G[i * GS + k];
      }
    }
    // Fold: for bit j = 7 … 0 sum the upper half of the (already folded) histogram, then fold it down.
    for (let p = 0; p < P; p++) {
      const hp = p * 256 * S;
      for (let j = 7; j >= 0; j--) {
        const half = 1 << j;
        const dst = (p * 8 + j) * S;
        for (let k = 0; k < S; k++) {
          let s = 0;
          for (let v = half; v < half << 1; v++) s += hist[hp + v * S + k];
          sums[dst + k] = s;
          for (let v = 0; v < half; v++) hist[hp + v * S + k] += hist[hp + (v + half) * S + k];
        }
      }
    }
    return sums.subarray(0, this.bitsPadded * S);
  }
}

export const referenceKernels: BmmKernels = {
  name: 'reference',
  workspace: (data, rows, bits, maxLanes) => new ReferenceWorkspace(data, rows, bits, maxLanes),
};
