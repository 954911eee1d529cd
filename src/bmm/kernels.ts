// The contract between the EM driver and its two bit kernels: per-sample sums of a weight vector
// over the set bits of each row (E-step scores), and γ-weighted per-bit sums over rows (M-step).
// Both work per byte: a row byte v at byte position p selects a precomputed table entry (E-step)
// or a histogram cell (M-step), so a sample costs ceil(bits/8) lookups per component, not `bits`.
//
// Two implementations exist: `reference` (plain TypeScript, the oracle) and `wasm` (AssemblyScript
// SIMD, asm/bmm.ts). They take every f64 sum in the same order and agree bit for bit.
import { packedWords } from '../engine/kernels/types.js';

/**
 * In the logsumexp, terms exp(ℓ_ik − m) with ℓ_ik − m < POSTERIOR_FLUSH are taken as exactly 0
 * (e^−40 ≈ 4.2e−18 < 2^−53 / K for K ≤ 26: far below half an ulp of s ≥ 1). log p(z_i) then changes by
 * at most one rounding of s and γ_ik by less than 4.3e−18, while well-separated components need no
 * exp/log call at all and rows whose γ lanes are all 0 are skipped by the M-step kernel.
 */
export const POSTERIOR_FLUSH = -40;

/** Lanes rounded up to even: the row stride of every [·][stride] buffer (SIMD works on lane pairs). */
export function laneStride(lanes: number): number {
  return lanes + (lanes & 1);
}

/** Shape constants shared by the kernels. */
export interface WorkspaceShape {
  readonly rows: number;
  readonly bits: number;
  /** The most lanes (components) a single call may use; buffers are sized for laneStride(maxLanes). */
  readonly maxLanes: number;
  /** Byte positions actually holding data: ceil(bits / 8). Padding bytes are zero and skipped. */
  readonly bytePositions: number;
  /** 8 · bytePositions: the row count of `weights` and `bitSums()`. */
  readonly bitsPadded: number;
  readonly wordsPerRow: number;
}

/**
 * Scratch buffers and kernels bound to one packed data set. Each call works on `lanes` ≤ maxLanes
 * lanes with stride s = laneStride(lanes); lanes ≥ `lanes` inside a stride must be zero on input.
 * Returned arrays are views owned by the workspace, valid until the next kernel call; callers fill
 * `weights`, `consts` and `gamma` in place (only the first entries of the current stride are read).
 */
export interface BmmWorkspace extends WorkspaceShape {
  /** [bitsPadded][s] input of scores()/posteriors(); rows d ≥ bits must stay 0. */
  readonly weights: Float64Array;
  /** [s] per-lane constants added to the scores by posteriors(). */
  readonly consts: Float64Array;
  /** [rows][s] input of bitSums(lanes, 'gamma'). */
  readonly gamma: Float64Array;
  /** [rows] output of posteriors(): log p(z_i). */
  readonly rowLogLik: Float64Array;
  /** [s] output of posteriors(): N_k = Σ_i γ_ik (lanes < `lanes`). */
  readonly nk: Float64Array;
  /** [rows][s]: Σ over the set bits d of row i of weights[d][k]. */
  scores(lanes: number): Float64Array;
  /**
   * E-step: ℓ_ik = scores + consts[k], then a max-shifted logsumexp per row. Fills rowLogLik and nk,
   * returns Σ_i log p(z_i) and leaves γ_ik in posterior() ([rows][s]).
   */
  posteriors(lanes: number): number;
  /** The γ written by the last posteriors() call (stride laneStride of its lanes). */
  posterior(): Float64Array;
  /**
   * [bitsPadded][s]: Σ_i g[i][k] · z_id, where g is `gamma` (stride s) or, with from = 'posterior',
   * the first `lanes` lanes of the last posteriors() output read in place (lanes ≤ its lane count).
   */
  bitSums(lanes: number, from?: 'gamma' | 'posterior'): Float64Array;
}

export interface BmmKernels {
  readonly name: 'reference' | 'wasm';
  /** Binds the kernels to `data` (rows × packedWords(bits), already validated). */
  workspace(data: Uint32Array, rows: number, bits: number, maxLanes: number): BmmWorkspace;
}

export function workspaceShape(rows: number, bits: number, maxLanes: number): WorkspaceShape {
  const bytePositions = Math.ceil(bits / 8);
  return { rows, bits, maxLanes, bytePositions, bitsPadded: bytePositions * 8, wordsPerRow: packedWords(bits) };
}

export function checkLanes(ws: WorkspaceShape, lanes: number): number {
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > ws.maxLanes) {
    throw new RangeError(`BmmWorkspace: lanes must be an integer in [1, ${ws.maxLanes}], got ${lanes}`);
  }
  return laneStride(lanes);
}
