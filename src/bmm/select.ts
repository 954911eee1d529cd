// Model selection over K by the Bayesian information criterion:
//   BIC(K) = −2 · Σ_i log p(z_i) + p_K · ln N,   p_K = K·D + (K − 1) free parameters.
// Lower is better; ties go to the smaller K. Every candidate is fitted with the same options and seed.
import { type FitOptions, type FitResult, fitBmm } from './em.js';
import type { PackedRows } from '../engine/bits.js';
import { validatePackedRows } from '../engine/bits.js';

export interface SelectionEntry {
  /** The K asked for (the fit may end with fewer after 'drop'). */
  readonly requested: number;
  readonly components: number;
  readonly totalLogLikelihood: number;
  readonly parameters: number;
  readonly bic: number;
  readonly fit: FitResult;
}

export interface SelectionResult {
  readonly best: SelectionEntry;
  /** One entry per candidate, in the order given. */
  readonly candidates: readonly SelectionEntry[];
}

export function bic(totalLogLikelihood: number, parameters: number, rows: number): number {
  return -2 * totalLogLikelihood + parameters * Math.log(rows);
}

export function selectComponents(x: PackedRows, candidates: readonly number[], options: Omit<FitOptions, 'components' | 'rng'> = {}): SelectionResult {
  validatePackedRows(x, 'selectComponents: x');
  if (!Array.isArray(candidates) || candidates.length === 0) throw new RangeError('selectComponents: candidates must be a non-empty array of K values');
  for (const K of candidates) {
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`selectComponents: candidates must hold integers ≥ 1, got ${K}`);
    if (K > x.rows) throw new RangeError(`selectComponents: candidate K = ${K} exceeds the number of rows (${x.rows})`);
  }
  const entries: SelectionEntry[] = candidates.map((K) => {
    const fit = fitBmm(x, { ...options, components: K });
    const parameters = fit.model.freeParameters();
    return {
      requested: K, components: fit.model.components, totalLogLikelihood: fit.totalLogLikelihood,
      parameters, bic: bic(fit.totalLogLikelihood, parameters, x.rows), fit,
    };
  });
  let best = entries[0];
  for (const e of entries) if (e.bic < best.bic || (e.bic === best.bic && e.components < best.components)) best = e;
  return { best, candidates: entries };
}
