// Fitting a Bernoulli mixture by EM (docs/methods-cil.md §2.5) on packed rows.
//
// Per iteration: E-step (estep.ts) → mean log-likelihood ℓ_t of the current parameters θ_t; stop when
// |ℓ_t − ℓ_{t−1}| ≤ tolerance·|ℓ_{t−1}| or after maxIterations M-steps; otherwise M-step:
//   N_k = Σ_i γ_ik, μ_k = clamp(Σ_i γ_ik z_i / N_k, ε, 1 − ε), π_k = N_k / N.
// The returned model is θ_t of the last E-step, so `logLikelihood` is exactly its mean log-likelihood.
//
// M-step trick: Σ_k γ_ik = 1, so the bit sums of one component follow from the per-bit column
// counts (computed once): Σ_i γ_ir z_id = colsum_d − Σ_{k≠r} Σ_i γ_ik z_id. The kernel therefore
// accumulates only K − 1 components; r is the component with the largest N_k (≥ N/K), which keeps the
// subtraction's cancellation error at the f64 rounding level. K = 1 needs no accumulation at all and
// gives μ = colsum / N, the exact per-bit frequency.
//
// Empty components (N_k < emptyThreshold): 'reseed' moves the component onto the row with the worst
// log-likelihood (μ = 0.5·z + 0.5·mean, π = 1/N, renormalised); 'drop' removes it and renormalises π.
// Either is recorded in `events`; the log-likelihood step after it is exempt from monotonicity.
// The returned model lists its components in decreasing π.
import { Rng } from '../engine/random.js';
import { type KernelChoice, resolveKernels } from './backend.js';
import { eStep } from './estep.js';
import { type InitMethod, blendRow, initBlend, initKmeansPP } from './init.js';
import { type BmmWorkspace, laneStride } from './kernels.js';
import { BernoulliMixture, DEFAULT_EPS, checkEps } from './model.js';
import { type PackedRows, validatePackedRows } from '../engine/bits.js';

export type EmptyComponentPolicy = 'reseed' | 'drop';

export interface FitOptions {
  /** K, the number of mixture components (1 ≤ K ≤ rows). */
  components: number;
  /** Seed of the Rng that drives initialisation (ignored when `rng` is given). Default 0. */
  seed?: number;
  /** Stream to draw from instead of `seed`; it is advanced (one split per restart). */
  rng?: Rng;
  /** M-steps at most per restart. Default 100. */
  maxIterations?: number;
  /** Relative log-likelihood change that counts as converged. Default 1e-6; a negative value
   *  disables the test so exactly maxIterations M-steps run (benchmarks). */
  tolerance?: number;
  /** Independent initialisations; the best final log-likelihood wins. Default 3. */
  restarts?: number;
  /** μ clamp ε. Default 1e-4. */
  eps?: number;
  /** Default 'blend'. */
  init?: InitMethod;
  /** Default 'reseed'. */
  emptyComponent?: EmptyComponentPolicy;
  /** N_k below this is empty. Default 1e-8. */
  emptyThreshold?: number;
  /** Default 'auto' (wasm SIMD when available). */
  kernels?: KernelChoice;
}

export interface EmEvent {
  readonly restart: number;
  /** The M-step (0-based) that handled the empty component. */
  readonly iteration: number;
  /** Component index at that time (before a drop renumbers later components). */
  readonly component: number;
  readonly action: EmptyComponentPolicy;
  /** For 'reseed', the row the component was moved onto. */
  readonly row?: number;
}

export interface RestartSummary {
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export interface FitResult {
  readonly model: BernoulliMixture;
  /** Mean log-likelihood per row (nats) of `model` on the data. */
  readonly logLikelihood: number;
  /** Σ_i log p(z_i) of `model`. */
  readonly totalLogLikelihood: number;
  /** Mean log-likelihood after each E-step of the winning restart (history[t] belongs to θ_t). */
  readonly history: readonly number[];
  /** Steps t whose change history[t] − history[t−1] follows a reseed or drop (exempt from monotonicity). */
  readonly exemptSteps: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
  /** Index of the winning restart. */
  readonly restart: number;
  readonly restarts: readonly RestartSummary[];
  readonly events: readonly EmEvent[];
  readonly kernels: 'reference' | 'wasm';
}

interface Resolved {
  K: number; maxIterations: number; tolerance: number; restarts: number; eps: number;
  init: InitMethod; emptyComponent: EmptyComponentPolicy; emptyThreshold: number;
}

function resolveOptions(x: PackedRows, o: FitOptions): Resolved {
  if (o === null || typeof o !== 'object') throw new TypeError('fitBmm: options must be an object with at least {components}');
  const K = o.components;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`fitBmm: components (K) must be an integer ≥ 1, got ${K}`);
  if (K > x.rows) throw new RangeError(`fitBmm: components (K = ${K}) must not exceed the number of rows (${x.rows})`);
  const maxIterations = o.maxIterations ?? 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new RangeError(`fitBmm: maxIterations must be an integer ≥ 0, got ${maxIterations}`);
  const tolerance = o.tolerance ?? 1e-6;
  if (Number.isNaN(tolerance) || typeof tolerance !== 'number') throw new RangeError(`fitBmm: tolerance must be a number, got ${tolerance}`);
  const restarts = o.restarts ?? 3;
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`fitBmm: restarts must be an integer ≥ 1, got ${restarts}`);
  const eps = o.eps ?? DEFAULT_EPS;
  checkEps(eps, 'fitBmm: eps');
  const init = o.init ?? 'blend';
  if (init !== 'blend' && init !== 'kmeans++') throw new RangeError(`fitBmm: init must be 'blend' or 'kmeans++', got ${String(init)}`);
  const emptyComponent = o.emptyComponent ?? 'reseed';
  if (emptyComponent !== 'reseed' && emptyComponent !== 'drop') throw new RangeError(`fitBmm: emptyComponent must be 'reseed' or 'drop', got ${String(emptyComponent)}`);
  const emptyThreshold = o.emptyThreshold ?? 1e-8;
  if (!(emptyThreshold >= 0)) throw new RangeError(`fitBmm: emptyThreshold must be a number ≥ 0, got ${emptyThreshold}`);
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new RangeError(`fitBmm: seed must be a finite number, got ${o.seed}`);
  return { K, maxIterations, tolerance, restarts, eps, init, emptyComponent, emptyThreshold };
}

/** Per-bit counts of ones (exact integers in f64) through the M-step kernel with γ = 1. */
function columnSums(ws: BmmWorkspace): Float64Array {
  const g = ws.gamma;
  g.fill(0, 0, ws.rows * 2);
  for (let i = 0; i < ws.rows; i++) g[2 * i] = 1;
  const sums = ws.bitSums(1);
  const col = new Float64Array(ws.bits);
  for (let d = 0; d < ws.bits; d++) col[d] = sums[2 * d];
  return col;
}

interface RestartResult {
  mu: Float64Array; pi: Float64Array; K: number;
  history: number[]; exempt: number[]; iterations: number; converged: boolean; events: EmEvent[];
}

/** Swaps components a and b in place. */
function swapComponents(mu: Float64Array, pi: Float64Array, D: number, a: number, b: number): void {
  if (a === b) return;
  for (let d = 0; d < D; d++) { const t = mu[a * D + d]; mu[a * D + d] = mu[b * D + d]; mu[b * D + d] = t; }
  const t = pi[a]; pi[a] = pi[b]; pi[b] = t;
}

function runRestart(ws: BmmWorkspace, data: Uint32Array, colsum: Float64Array, o: Resolved, rng: Rng, restart: number): RestartResult {
  const N = ws.rows, D = ws.bits, words = ws.wordsPerRow;
  const mean = new Float64Array(D);
  for (let d = 0; d < D; d++) mean[d] = colsum[d] / N;
  const start = o.init === 'blend'
    ? initBlend(data, words, N, o.K, mean, o.eps, rng)
    : initKmeansPP(ws, data, o.K, mean, o.eps, rng);
  let mu = start.mu, pi = start.pi, K = o.K;
  const history: number[] = [];
  const exempt: number[] = [];
  const events: EmEvent[] = [];
  let converged = false;
  let it = 0;
  for (;; it++) {
    // The fullest component so far (largest π = N_k/N of the last M-step) goes last: its bit sums
    // are then derived from the column counts instead of accumulated (see the header).
    let top = 0;
    for (let k = 1; k < K; k++) if (pi[k] > pi[top]) top = k;
    swapComponents(mu, pi, D, top, K - 1);

    const ll = eStep(ws, mu, pi, K) / N;
    history.push(ll);
    if (it > 0 && o.tolerance >= 0) {
      const prev = history[it - 1];
      if (Math.abs(ll - prev) <= o.tolerance * Math.abs(prev)) { converged = true; break; }
    }
    if (it === o.maxIterations) break;

    // M-step.
    const nk = ws.nk.slice(0, K);
    const next = new Float64Array(K * D);
    if (K === 1) {
      next.set(colsum);
    } else {
      let maxNk = 0;
      for (let k = 0; k < K; k++) maxNk = Math.max(maxNk, nk[k]);
      // Derive the last component only while it is still among the fullest (N_r ≥ max N_k / 2 ≥ N/(2K)).
      const derive = nk[K - 1] >= 0.5 * maxNk;
      const lanes = derive ? K - 1 : K;
      const S = laneStride(lanes);
      const sums = ws.bitSums(lanes, 'posterior');
      for (let k = 0; k < lanes; k++) for (let d = 0; d < D; d++) next[k * D + d] = sums[d * S + k];
      if (derive) {
        const r = K - 1;
        for (let d = 0; d < D; d++) {
          let s = colsum[d];
          for (let k = 0; k < r; k++) s -= next[k * D + d];
          next[r * D + d] = s;
        }
      }
    }
    const nextPi = new Float64Array(K);
    const empty: number[] = [];
    for (let k = 0; k < K; k++) if (nk[k] < o.emptyThreshold) empty.push(k);
    if (empty.length === K) {
      // Never empty the whole model: the fullest component (Σ N_k = N > 0) always stays.
      let full = 0;
      for (let k = 1; k < K; k++) if (nk[k] > nk[full]) full = k;
      empty.splice(empty.indexOf(full), 1);
    }
    for (let k = 0; k < K; k++) {
      if (empty.includes(k)) continue;
      const inv = 1 / nk[k];
      for (let d = 0; d < D; d++) {
        const m = next[k * D + d] * inv;
        next[k * D + d] = m < o.eps ? o.eps : m > 1 - o.eps ? 1 - o.eps : m;
      }
      nextPi[k] = nk[k] / N;
    }
    mu = next;
    pi = nextPi;
    if (empty.length > 0) {
      exempt.push(it + 1);
      if (o.emptyComponent === 'reseed') {
        // Worst-explained rows first; each empty component takes a different row.
        const ll = ws.rowLogLik;
        const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => ll[a] - ll[b] || a - b);
        empty.forEach((k, j) => {
          const row = order[j];
          blendRow(mu, k, data, words, row, mean);
          for (let d = 0; d < D; d++) mu[k * D + d] = Math.min(1 - o.eps, Math.max(o.eps, mu[k * D + d]));
          pi[k] = 1 / N;
          events.push({ restart, iteration: it, component: k, action: 'reseed', row });
        });
      } else {
        const keep: number[] = [];
        for (let k = 0; k < K; k++) if (!empty.includes(k)) keep.push(k);
        for (const k of empty) events.push({ restart, iteration: it, component: k, action: 'drop' });
        const kept = new Float64Array(keep.length * D);
        const keptPi = new Float64Array(keep.length);
        keep.forEach((k, j) => { kept.set(mu.subarray(k * D, (k + 1) * D), j * D); keptPi[j] = pi[k]; });
        K = keep.length;
        mu = kept;
        pi = keptPi;
      }
    }
    let t = 0;
    for (let k = 0; k < K; k++) t += pi[k];
    for (let k = 0; k < K; k++) pi[k] /= t;
  }
  return { mu, pi, K, history, exempt, iterations: it, converged, events };
}

/** Components in decreasing π (ties keep their order): a canonical order for the returned model. */
function canonicalOrder(mu: Float64Array, pi: Float64Array, K: number, D: number): { mu: Float64Array; pi: Float64Array } {
  const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => pi[b] - pi[a] || a - b);
  const m = new Float64Array(K * D);
  const p = new Float64Array(K);
  order.forEach((k, j) => { m.set(mu.subarray(k * D, (k + 1) * D), j * D); p[j] = pi[k]; });
  return { mu: m, pi: p };
}

/** Fits a K-component Bernoulli mixture to packed rows; deterministic for a given seed. */
export function fitBmm(x: PackedRows, options: FitOptions): FitResult {
  validatePackedRows(x, 'fitBmm: x');
  const o = resolveOptions(x, options);
  const kernels = resolveKernels(options.kernels);
  const ws = kernels.workspace(x.data, x.rows, x.bits, o.K);
  const colsum = columnSums(ws);
  const base = options.rng ?? new Rng(options.seed ?? 0);
  let best: RestartResult | null = null;
  let bestIndex = 0;
  const summaries: RestartSummary[] = [];
  const events: EmEvent[] = [];
  for (let r = 0; r < o.restarts; r++) {
    const res = runRestart(ws, x.data, colsum, o, base.split(), r);
    const ll = res.history[res.history.length - 1];
    summaries.push({ logLikelihood: ll, iterations: res.iterations, converged: res.converged });
    events.push(...res.events);
    if (best === null || ll > best.history[best.history.length - 1]) { best = res; bestIndex = r; }
  }
  const b = best as RestartResult;
  const c = canonicalOrder(b.mu, b.pi, b.K, x.bits);
  const model = new BernoulliMixture({ components: b.K, bits: x.bits, mu: c.mu, pi: c.pi, eps: o.eps });
  const ll = b.history[b.history.length - 1];
  return {
    model, logLikelihood: ll, totalLogLikelihood: ll * x.rows,
    history: b.history, exemptSteps: b.exempt, iterations: b.iterations, converged: b.converged,
    restart: bestIndex, restarts: summaries, events, kernels: kernels.name,
  };
}
