// The SpikeGrad integrate-and-fire neuron (docs/snn.md §neuron; docs/methods-snn.md §2, §5) as pure step
// functions over explicit state, in the style of Norse: `step(state, input, params) → {state, spike}`.
// Two compartments per neuron: V integrates forward input and emits signed spikes; U integrates
// gated error input and emits ternary error spikes. Neither leaks and both reset by subtraction, so
// the final counts depend only on the total input, never on the order it arrived in.
//
// `forwardSpike` / `errorSpike` are the decision rules alone (state → spike count); the event-driven
// simulator calls them on its typed arrays, the scalar `ifStep` / `errorStep` wrap them for callers
// (and golden tests) that want whole-state transitions.

/**
 * Negative forward spike rule: 'corrected' (default) fires −1 when V < 0 and c > 0, which makes the
 * final count exactly ⌊relu(I)/Θ⌋; 'threshold' fires only when V ≤ −Θ and c > 0 (counts within ±1).
 */
export type NegativeRule = 'corrected' | 'threshold';

/**
 * Error quantiser: 'trunc' (corrected, default) ends at E = trunc(X/Θ) for any arrival order;
 * 'plain' is the symmetric threshold without correction clauses (|E − trunc| ≤ 1, order-dependent);
 * 'round' ends at E = ⌊X/Θ + ½⌋.
 */
export type ErrorQuantiser = 'trunc' | 'plain' | 'round';

export interface ForwardParams {
  /** Forward threshold Θ_ff > 0. */
  readonly theta: number;
  readonly negativeRule: NegativeRule;
  /** Emit all ⌊V/Θ⌋ spikes of a tick at once instead of one. Final counts are the same. */
  readonly burst: boolean;
}

export interface ErrorParams {
  /** Backward threshold Θ_bp > 0. */
  readonly theta: number;
  readonly quantiser: ErrorQuantiser;
  readonly burst: boolean;
}

/** Forward compartment of one neuron: membrane V, net spike count c, negative spikes emitted so far. */
export interface ForwardState { readonly V: number; readonly c: number; readonly negatives: number }
/** Error compartment: integrator U and net error count E. */
export interface ErrorState { readonly U: number; readonly E: number }

export const restingForward: ForwardState = Object.freeze({ V: 0, c: 0, negatives: 0 });
export const restingError: ErrorState = Object.freeze({ U: 0, E: 0 });

/** Signed number of spikes a neuron with membrane V and count c emits now (0, ±1, or ±k in burst mode). */
export function forwardSpike(V: number, c: number, p: ForwardParams): number {
  if (V >= p.theta) return p.burst ? Math.floor(V / p.theta) : 1;
  const negative = p.negativeRule === 'corrected' ? V < 0 : V <= -p.theta;
  if (!negative || c <= 0) return 0;
  if (!p.burst) return -1;
  // Every negative spike the single-spike rule would fire back to back, capped by the count.
  const n = p.negativeRule === 'corrected' ? Math.ceil(-V / p.theta) : Math.floor(-V / p.theta);
  return -Math.min(c, n);
}

/** One rule application of the error compartment: +1, −1 or 0. */
function errorSpikeOnce(U: number, E: number, q: ErrorQuantiser, theta: number): number {
  if (q === 'round') {
    // Final U ∈ [−Θ/2, Θ/2): symmetric thresholds need no correction clause.
    if (U >= theta / 2) return 1;
    return U < -theta / 2 ? -1 : 0;
  }
  if (U >= theta) return 1;
  if (U <= -theta) return -1;
  if (q === 'trunc') {
    // Sign-consistent corrections: an over-shot count walks back toward zero.
    if (E > 0 && U < 0) return -1;
    if (E < 0 && U > 0) return 1;
  }
  return 0;
}

/** Signed number of error spikes emitted now: ±1, or in burst mode every same-sign spike the rule allows this tick. */
export function errorSpike(U: number, E: number, p: ErrorParams): number {
  const z = errorSpikeOnce(U, E, p.quantiser, p.theta);
  if (!p.burst || z === 0) return z;
  let n = z;
  for (;;) {
    const u = U - p.theta * n, e = E + n;
    if (errorSpikeOnce(u, e, p.quantiser, p.theta) !== z) return n;
    n += z;
  }
}

/** One forward tick: integrate `input`, maybe spike, reset by subtraction. */
export function ifStep(state: ForwardState, input: number, p: ForwardParams): { state: ForwardState; spike: number } {
  const V = state.V + input;
  const s = forwardSpike(V, state.c, p);
  return { state: { V: V - p.theta * s, c: state.c + s, negatives: state.negatives + (s < 0 ? -s : 0) }, spike: s };
}

/** One backward tick: integrate the (already gated) error input, maybe emit an error spike, reset by subtraction. */
export function errorStep(state: ErrorState, input: number, p: ErrorParams): { state: ErrorState; spike: number } {
  const U = state.U + input;
  const z = errorSpike(U, state.E, p);
  return { state: { U: U - p.theta * z, E: state.E + z }, spike: z };
}

/** The count a quiescent forward neuron ends at for total input I: ⌊max(0, I)/Θ⌋ (§4). */
export function forwardCount(I: number, theta: number): number {
  return I > 0 ? Math.floor(I / theta) : 0;
}

/** The count a quiescent error neuron ends at for total (gated) input X under a quantiser (§5). */
export function errorCount(X: number, theta: number, q: ErrorQuantiser): number {
  // `+ 0` turns trunc's −0 into 0: counts are integers.
  if (q === 'round') return Math.floor(X / theta + 0.5) + 0;
  return Math.trunc(X / theta) + 0;
}
