// How the relational network's input populations reach the hidden layer (docs/methods-snn.md §12.4):
// as analog currents (the default), or as spikes, as in the paper's hardware setting. 'regular' is
// the deterministic rate code — an input neuron integrates G·x and fires ⌊G·x⌋ evenly spaced spikes
// (SpikeGrad's 'rate' input). 'poisson' draws each input neuron's spikes at random: in each of
// `ticks` time steps it fires with probability G·x/ticks (a discrete-time Poisson process), so its
// count is binomial with mean G·x. By §4 only the counts matter to the network, so both execution
// paths receive the same drawn counts and stay comparable.
import type { Rng } from '../engine/random.js';
import type { SpikeGradConfig } from '../snn/network.js';

export type InputCoding = 'analog' | 'regular' | 'poisson';

export const INPUT_CODINGS: readonly InputCoding[] = ['analog', 'regular', 'poisson'];

/** Time steps of the Poisson stimulus window; G/ticks must stay ≤ 1 so the per-step probability is one. */
export const POISSON_TICKS = 32;

/**
 * The SpikeGrad input configuration for a coding with input gain G. Poisson counts are drawn before
 * the network sees them, so the network itself receives them as spike counts at gain 1.
 */
export function codingSpikeConfig(coding: InputCoding, gain: number): Pick<SpikeGradConfig, 'input' | 'gain'> {
  if (!INPUT_CODINGS.includes(coding)) throw new RangeError(`input coding must be one of ${INPUT_CODINGS.join(', ')}, got ${String(coding)}`);
  if (coding === 'poisson' && !(gain <= POISSON_TICKS)) throw new RangeError(`poisson input coding: gain must be ≤ ${POISSON_TICKS} (one spike per time step at most), got ${gain}`);
  if (coding === 'analog') return { input: 'analog', gain };
  if (coding === 'regular') return { input: 'rate', gain };
  return { input: 'rate', gain: 1 };
}

/** Replaces analog rates x ∈ [0, 1] in place by Poisson spike counts with mean G·x. */
export function drawPoissonCounts(x: Float32Array, gain: number, rng: Rng): void {
  const p = gain / POISSON_TICKS;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) continue;
    const q = p * x[i];
    let count = 0;
    for (let t = 0; t < POISSON_TICKS; t++) if (rng.float() < q) count++;
    x[i] = count;
  }
}
