// Conductance-based leaky integrate-and-fire populations: the neuron model of Diehl & Cook's STDP
// networks (2015, 2016), used here as the baseline the SpikeGrad relational network is compared with
// (docs/methods-snn.md §17). Explicit state and a pure step function in the Norse style:
// `stepLif(params, state, step)` advances every neuron by one time step of `state.dt` ms.
//
//   τ_m dv/dt = (v_rest − v) + g_e·(E_exc − v) + g_i·(E_inh − v)        (forward Euler, kept within [E_inh, E_exc])
//   g_e, g_i decay exponentially (exact factor per step); a spike through weight w adds w to g.
//   v > v_thresh + θ  ⇒  spike, v ← v_reset, refractory for t_ref, θ ← θ + θ_plus (adaptive threshold).

export interface LifParams {
  /** Resting, reset and threshold potentials (mV). */
  vRest: number;
  vReset: number;
  vThresh: number;
  /** Membrane time constant (ms). */
  tauMembrane: number;
  /** Refractory period (ms); the membrane is clamped at v_reset meanwhile. */
  refractory: number;
  /** Decay time constants of the excitatory and inhibitory conductances (ms). */
  tauExc: number;
  tauInh: number;
  /** Reversal potentials (mV). */
  eExc: number;
  eInh: number;
  /** Adaptive threshold: θ grows by thetaPlus (mV) per spike and decays with tauTheta (ms). 0 disables it. */
  thetaPlus: number;
  tauTheta: number;
}

/** Excitatory neurons of Diehl & Cook (2015), adaptive threshold included. */
export const DC_EXCITATORY: LifParams = {
  vRest: -65, vReset: -65, vThresh: -52, tauMembrane: 100, refractory: 5,
  tauExc: 1, tauInh: 2, eExc: 0, eInh: -100, thetaPlus: 0.05, tauTheta: 1e7,
};

/** Inhibitory neurons of Diehl & Cook (2015). */
export const DC_INHIBITORY: LifParams = {
  vRest: -60, vReset: -45, vThresh: -40, tauMembrane: 10, refractory: 2,
  tauExc: 1, tauInh: 2, eExc: 0, eInh: -85, thetaPlus: 0, tauTheta: Infinity,
};

export interface LifState {
  readonly size: number;
  /** Time step (ms). */
  readonly dt: number;
  readonly v: Float64Array;
  readonly ge: Float64Array;
  readonly gi: Float64Array;
  /** Adaptive threshold offset (mV); persists across examples (it is learned homeostasis). */
  readonly theta: Float64Array;
  /** Refractory steps left. */
  readonly refractoryLeft: Int32Array;
  /** Indices of the neurons that spiked in the last step: spikes[0 .. spikeCount). */
  readonly spikes: Int32Array;
  spikeCount: number;
  /**
   * Step of each neuron's last spike and of the one before (−1: none since the last reset): the STDP
   * traces are functions of them. Steps count over a whole run; int32 holds 2^31 steps, 4 M examples
   * of 250 ms at dt = 0.5 ms.
   */
  readonly lastSpike: Int32Array;
  readonly prevSpike: Int32Array;
}

function checkParams(p: LifParams): void {
  for (const k of ['tauMembrane', 'tauExc', 'tauInh', 'tauTheta'] as const) {
    if (!(p[k] > 0)) throw new RangeError(`LifParams.${k} must be > 0 (ms), got ${p[k]}`);
  }
  if (!(p.refractory >= 0)) throw new RangeError(`LifParams.refractory must be ≥ 0 (ms), got ${p.refractory}`);
  if (!(p.thetaPlus >= 0)) throw new RangeError(`LifParams.thetaPlus must be ≥ 0 (mV), got ${p.thetaPlus}`);
  if (!(p.vReset < p.vThresh)) throw new RangeError(`LifParams.vReset (${p.vReset}) must be below vThresh (${p.vThresh})`);
  if (!(p.eInh < p.eExc)) throw new RangeError(`LifParams.eInh (${p.eInh}) must be below eExc (${p.eExc})`);
}

export function createLifState(p: LifParams, size: number, dt: number): LifState {
  checkParams(p);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`createLifState: size must be a positive integer, got ${size}`);
  if (!(dt > 0)) throw new RangeError(`createLifState: dt must be > 0 (ms), got ${dt}`);
  const s: LifState = {
    size, dt,
    v: new Float64Array(size), ge: new Float64Array(size), gi: new Float64Array(size),
    theta: new Float64Array(size), refractoryLeft: new Int32Array(size),
    spikes: new Int32Array(size), spikeCount: 0, lastSpike: new Int32Array(size), prevSpike: new Int32Array(size),
  };
  resetLif(p, s);
  return s;
}

/** Back to rest between examples: membrane, conductances, refractoriness and spike history; θ is kept. */
export function resetLif(p: LifParams, s: LifState): void {
  s.v.fill(p.vRest);
  s.ge.fill(0);
  s.gi.fill(0);
  s.refractoryLeft.fill(0);
  s.lastSpike.fill(-1);
  s.prevSpike.fill(-1);
  s.spikeCount = 0;
}

/**
 * Advances every neuron by one step; the neurons that spike are listed in s.spikes[0 .. returned count).
 * `adapt` false freezes the adaptive threshold (inference).
 */
export function stepLif(p: LifParams, s: LifState, step: number, adapt = true): number {
  const { v, ge, gi, theta, refractoryLeft, spikes, lastSpike, prevSpike, dt } = s;
  const a = dt / p.tauMembrane;
  const de = Math.exp(-dt / p.tauExc), di = Math.exp(-dt / p.tauInh);
  const dTheta = adapt && p.thetaPlus > 0 && Number.isFinite(p.tauTheta) ? Math.exp(-dt / p.tauTheta) : 1;
  const thetaPlus = adapt ? p.thetaPlus : 0;
  const refractorySteps = Math.round(p.refractory / dt);
  const { vRest, vReset, vThresh, eExc, eInh } = p;
  let n = 0;
  for (let i = 0; i < s.size; i++) {
    const e = ge[i], g = gi[i];
    if (refractoryLeft[i] > 0) refractoryLeft[i]--;
    else {
      const vi = v[i];
      const next = vi + a * ((vRest - vi) + e * (eExc - vi) + g * (eInh - vi));
      // A large volley (a·g ≥ 1) would carry forward Euler past a reversal potential; no real membrane
      // goes there, so the step is clamped to [E_inh, E_exc].
      v[i] = next < eInh ? eInh : next > eExc ? eExc : next;
    }
    ge[i] = e * de;
    gi[i] = g * di;
    if (dTheta !== 1) theta[i] *= dTheta;
    if (v[i] > vThresh + theta[i]) {
      v[i] = vReset;
      refractoryLeft[i] = refractorySteps;
      theta[i] += thetaPlus;
      prevSpike[i] = lastSpike[i];
      lastSpike[i] = step;
      spikes[n++] = i;
    }
  }
  s.spikeCount = n;
  return n;
}
