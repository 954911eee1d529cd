// The STDP relational network of Diehl & Cook (2016, arXiv:1608.08267), reimplemented as the baseline
// of the relational results (docs/methods-snn.md §17): four modules — the variables A, B, C and a
// hidden module H — each of `exc` excitatory and `inh` inhibitory conductance-based LIF neurons
// (1,600 + 400 in the paper). Each variable module is driven one-to-one by a population of Poisson
// inputs whose rates form a Gaussian bump on the circle around the variable's value; H is connected
// both ways to every variable module by triplet-STDP synapses. Training shows consistent triples
// (a, b, c); inference silences C's input and reads C from its excitatory spikes by population vector.
//
// What is taken from the published work and what is ours is listed in docs/methods-snn.md §17: the
// module sizes, neuron model, STDP rule and normalisation follow Diehl & Cook; the connection
// densities, weights and input rates are our choices (the 2016 paper's text was not available).
import { Rng, type RngState } from '../engine/random.js';
import { base64ToBytes, bytesToBase64 } from '../engine/serialize.js';
import { createLifState, DC_EXCITATORY, DC_INHIBITORY, resetLif, stepLif, type LifParams, type LifState } from '../snn/stdp/conductanceLif.js';
import { PoissonSource } from '../snn/stdp/poissonSource.js';
import { DC_PRESYNAPTIC_TARGET_STDP, DC_TRIPLET_STDP, Projection, scaleStdp, type StdpRule } from '../snn/stdp/projection.js';
import { CHANCE_RMSE, circularError } from './populationCode.js';
import type { Relation } from './relations.js';

export interface StdpRelationalConfig {
  /** Excitatory and inhibitory neurons per module (the paper: 1,600 and 400). */
  exc: number;
  inh: number;
  /** Time step and presentation time of one example (ms). */
  dt: number;
  presentMs: number;
  /** Input bump: peak rate (Hz), width σ as a fraction of the circle, and background rate (Hz) of every input neuron. */
  inputPeakHz: number;
  inputSigma: number;
  backgroundHz: number;
  /** Input → excitatory, one-to-one (fixed). */
  inputWeight: number;
  /** Inhibition inside each module, variable modules and H: excitatory → inhibitory and inhibitory → excitatory (fixed, random fan-in). */
  variableInhibition: ModuleInhibition;
  hiddenInhibition: ModuleInhibition;
  /**
   * Variable module → H and H → variable module (plastic): fan-in, the normalised sum of each
   * neuron's incoming weights from one module, and the STDP rule (stated for a mean weight of 0.1).
   */
  toHidden: PlasticProjection;
  fromHidden: PlasticProjection;
  /** Adaptive threshold of H's excitatory neurons (mV per spike, decay time constant in ms); the variable modules have none. */
  hiddenThetaPlus: number;
  hiddenTauTheta: number;
  /** Spikes of C counted from this time on at inference (ms), after the network has settled. */
  readoutFromMs: number;
  /**
   * Diehl & Cook's rule against silence: when the responding module (H in training, C at inference)
   * fires fewer than `minSpikes`, the example is shown again with every input bump `boostHz` stronger,
   * at most `maxBoosts` times.
   */
  minSpikes: number;
  boostHz: number;
  maxBoosts: number;
}

export interface PlasticProjection {
  fanIn: number;
  sum: number;
  stdp: StdpRule;
}

export interface ModuleInhibition {
  excToInh: { fanIn: number; weight: number };
  inhToExc: { fanIn: number; weight: number };
}

export const DC2016_CONFIG: StdpRelationalConfig = {
  exc: 1600, inh: 400, dt: 0.5, presentMs: 250,
  inputPeakHz: 40, inputSigma: 0.05, backgroundHz: 1,
  inputWeight: 20,
  variableInhibition: { excToInh: { fanIn: 40, weight: 10 }, inhToExc: { fanIn: 100, weight: 0.01 } },
  hiddenInhibition: { excToInh: { fanIn: 40, weight: 10 }, inhToExc: { fanIn: 400, weight: 0.5 } },
  // H fires sparsely (soft winner-take-all), so its inputs learn by the paper's rule at H's spikes; the
  // variable modules fire densely, where that rule's depression at every spike would erase H's
  // feedback, so H → variable learns by the triplet rule, which potentiates only after H spikes.
  toHidden: { fanIn: 160, sum: 96, stdp: { ...DC_PRESYNAPTIC_TARGET_STDP, eta: 0.05 } },
  fromHidden: { fanIn: 1600, sum: 500, stdp: DC_TRIPLET_STDP },
  hiddenThetaPlus: 0.05,
  hiddenTauTheta: 1e7,
  readoutFromMs: 50,
  minSpikes: 5, boostHz: 32, maxBoosts: 4,
};

/**
 * The network at `scale` times the published module size: neuron counts and fan-ins scale; the
 * inputs to H keep their mean weight (their normalised sum scales with the fan-in); H's feedback keeps
 * its sum, because H's total activity under winner-take-all does not grow with its size; an
 * inhibitory neuron's fan-in from the excitatory neurons shrinks at the same weight; and an
 * excitatory neuron's total inhibitory weight stays (inhibitory weights scale by 1/scale).
 */
export function stdpRelationalAtScale(scale: number, base: StdpRelationalConfig = DC2016_CONFIG): StdpRelationalConfig {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`stdpRelationalAtScale: scale must be in (0, 1], got ${scale}`);
  const r = (x: number) => Math.max(1, Math.round(x * scale));
  const exc = r(base.exc), inh = r(base.inh);
  const inhibition = (m: ModuleInhibition): ModuleInhibition => ({
    excToInh: { fanIn: Math.min(exc, r(m.excToInh.fanIn)), weight: m.excToInh.weight },
    inhToExc: { fanIn: Math.min(inh, r(m.inhToExc.fanIn)), weight: (m.inhToExc.weight * m.inhToExc.fanIn) / Math.min(inh, r(m.inhToExc.fanIn)) },
  });
  const plastic = (p: PlasticProjection, keepSum: boolean): PlasticProjection => {
    const fanIn = Math.min(exc, r(p.fanIn));
    return { ...p, fanIn, sum: keepSum ? p.sum : (p.sum * fanIn) / p.fanIn };
  };
  return { ...base, exc, inh, variableInhibition: inhibition(base.variableInhibition), hiddenInhibition: inhibition(base.hiddenInhibition),
    toHidden: plastic(base.toHidden, false), fromHidden: plastic(base.fromHidden, true) };
}

/** Neurons of the network, counted as for the SpikeGrad network: input spike sources and spiking neurons. */
export function stdpNeuronCounts({ exc, inh }: StdpRelationalConfig): { input: number; spiking: number; total: number } {
  return { input: 3 * exc, spiking: 4 * (exc + inh), total: 3 * exc + 4 * (exc + inh) };
}

export const VARIABLE_MODULES = ['A', 'B', 'C'] as const;
type Variable = typeof VARIABLE_MODULES[number];

interface Module {
  exc: LifState;
  inh: LifState;
  excParams: LifParams;
  /** The fixed projections inside the module (E→I, I→E). */
  internal: Projection[];
  input?: PoissonSource;
  inputProjection?: Projection;
}

export interface StdpInferenceResult {
  /** Circular RMSE of the decoded C over the test triples. */
  rmse: number;
  chance: number;
  count: number;
  /** Test triples in which C's excitatory neurons stayed silent (decoded as a seeded uniform guess). */
  silent: number;
  /** Mean spikes per test triple: C's excitatory module and H's excitatory module. */
  cSpikes: number;
  hiddenSpikes: number;
}

/**
 * What training changes, serialised: the plastic weights, H's adaptive thresholds, the random stream
 * and the clock. The fixed synapses are rebuilt from the seed, so a snapshot resumes bit for bit.
 */
export interface StdpRelationalSnapshot {
  readonly format: 'bitspike-stdp-relational';
  readonly version: 1;
  config: StdpRelationalConfig;
  relation: string;
  seed: number;
  examplesSeen: number;
  step: number;
  rng: RngState;
  /** Float64 little-endian, base64. */
  hiddenTheta: string;
  up: Record<'A' | 'B' | 'C', string>;
  down: Record<'A' | 'B' | 'C', string>;
}

const f64ToBase64 = (a: Float64Array): string => bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

function base64ToF64Into(b64: string, into: Float64Array, what: string): void {
  const bytes = base64ToBytes(b64, what);
  if (bytes.byteLength !== into.byteLength) throw new RangeError(`${what}: expected ${into.length} float64 values, got ${bytes.byteLength} bytes`);
  into.set(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

/** Population vector of spike counts over neurons spread evenly on the circle: Σ count·(cos, sin) and Σ count. */
function populationVector(counts: Float64Array): { x: number; y: number; total: number } {
  let x = 0, y = 0, total = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    const ang = (2 * Math.PI * i) / counts.length;
    x += counts[i] * Math.cos(ang); y += counts[i] * Math.sin(ang); total += counts[i];
  }
  return { x, y, total };
}

export class StdpRelationalNetwork {
  readonly config: StdpRelationalConfig;
  private readonly modules: Record<Variable | 'H', Module>;
  /** Plastic projections: variable → H and H → variable. */
  private readonly up: Record<Variable, Projection>;
  private readonly down: Record<Variable, Projection>;
  private readonly rates: Float64Array;
  private step = 0;
  examplesSeen = 0;

  private rng: Rng;

  constructor(config: StdpRelationalConfig, readonly relation: Relation, readonly seed: number) {
    this.config = config;
    const rng = new Rng(seed);
    this.rng = rng;
    const { exc, inh, dt } = config;
    if (!Number.isInteger(exc) || exc < 2 || !Number.isInteger(inh) || inh < 1) throw new RangeError(`StdpRelationalNetwork: exc must be an integer ≥ 2 and inh ≥ 1, got ${exc}, ${inh}`);
    for (const k of ['dt', 'presentMs', 'inputSigma', 'inputPeakHz', 'inputWeight'] as const) {
      if (!(config[k] > 0)) throw new RangeError(`StdpRelationalNetwork: config.${k} must be > 0, got ${config[k]}`);
    }
    for (const k of ['toHidden', 'fromHidden'] as const) {
      if (!(config[k].sum > 0)) throw new RangeError(`StdpRelationalNetwork: config.${k}.sum must be > 0, got ${config[k].sum}`);
    }
    const varParams: LifParams = { ...DC_EXCITATORY, thetaPlus: 0 };
    const hidParams: LifParams = { ...DC_EXCITATORY, thetaPlus: config.hiddenThetaPlus, tauTheta: config.hiddenTauTheta };
    const make = (p: LifParams, withInput: boolean): Module => {
      const e = createLifState(p, exc, dt), i = createLifState(DC_INHIBITORY, inh, dt);
      const { excToInh, inhToExc } = withInput ? config.variableInhibition : config.hiddenInhibition;
      const m: Module = {
        exc: e, inh: i, excParams: p,
        internal: [
          new Projection(e, i, { fanIn: excToInh.fanIn, weight: excToInh.weight, target: 'exc' }, rng),
          new Projection(i, e, { fanIn: inhToExc.fanIn, weight: inhToExc.weight, target: 'inh' }, rng),
        ],
      };
      if (withInput) {
        m.input = new PoissonSource(exc, dt);
        m.inputProjection = new Projection(m.input, e, { fanIn: 'one-to-one', weight: config.inputWeight, target: 'exc' }, rng);
      }
      return m;
    };
    this.modules = { A: make(varParams, true), B: make(varParams, true), C: make(varParams, true), H: make(hidParams, false) };
    const H = this.modules.H.exc;
    // The rule's steps and bound are stated for Diehl & Cook's mean weight of 0.1 (sum 78 over 784
    // inputs); each projection scales them with its own mean weight so learning is equally fast in all.
    const plastic = (pre: LifState, post: LifState, { fanIn, sum, stdp: rule }: PlasticProjection) => {
      const stdp = scaleStdp(rule, sum / fanIn / 0.1);
      const p = new Projection(pre, post, { fanIn, weight: (g) => g.float(), target: 'exc', stdp }, rng);
      p.normalize(sum);
      return p;
    };
    this.up = {} as Record<Variable, Projection>;
    this.down = {} as Record<Variable, Projection>;
    for (const v of VARIABLE_MODULES) {
      this.up[v] = plastic(this.modules[v].exc, H, config.toHidden);
      this.down[v] = plastic(H, this.modules[v].exc, config.fromHidden);
    }
    this.rates = new Float64Array(exc);
  }

  snapshot(): StdpRelationalSnapshot {
    const per = (r: Record<Variable, Projection>) => ({ A: f64ToBase64(r.A.weightsByPost()), B: f64ToBase64(r.B.weightsByPost()), C: f64ToBase64(r.C.weightsByPost()) });
    return {
      format: 'bitspike-stdp-relational', version: 1, config: this.config, relation: this.relation.name, seed: this.seed,
      examplesSeen: this.examplesSeen, step: this.step, rng: this.rng.state(),
      hiddenTheta: f64ToBase64(this.modules.H.exc.theta), up: per(this.up), down: per(this.down),
    };
  }

  /** Rebuilds a network from a snapshot (relation looked up by the caller, checked here by name). */
  static restore(snap: StdpRelationalSnapshot, relation: Relation, source: string): StdpRelationalNetwork {
    if (snap?.format !== 'bitspike-stdp-relational' || snap.version !== 1) throw new TypeError(`${source}: not an STDP relational snapshot (format ${snap?.format}, version ${snap?.version})`);
    if (snap.relation !== relation.name) throw new RangeError(`${source}: snapshot of relation '${snap.relation}', asked for '${relation.name}'`);
    const net = new StdpRelationalNetwork(snap.config, relation, snap.seed);
    base64ToF64Into(snap.hiddenTheta, net.modules.H.exc.theta, `${source} hiddenTheta`);
    for (const v of VARIABLE_MODULES) {
      for (const [key, r] of [['up', net.up], ['down', net.down]] as const) {
        const w = new Float64Array(r[v].synapseCount);
        base64ToF64Into(snap[key][v], w, `${source} ${key}.${v}`);
        r[v].setWeightsByPost(w);
      }
    }
    net.rng = Rng.fromState(snap.rng);
    net.examplesSeen = snap.examplesSeen;
    net.step = snap.step;
    return net;
  }

  get neuronCounts(): { input: number; spiking: number; total: number } {
    return stdpNeuronCounts(this.config);
  }

  get synapseCount(): number {
    let n = 0;
    for (const m of Object.values(this.modules)) for (const p of [...m.internal, ...(m.inputProjection ? [m.inputProjection] : [])]) n += p.synapseCount;
    for (const v of VARIABLE_MODULES) n += this.up[v].synapseCount + this.down[v].synapseCount;
    return n;
  }

  /** Input rates of a variable module: Gaussian bump (circular) around `value` plus background; null: a missing input, silent. */
  private setInput(v: Variable, value: number | null, inputPeakHz: number, rng: Rng): void {
    const { exc, inputSigma, backgroundHz } = this.config;
    for (let i = 0; i < exc; i++) {
      let r = 0;
      if (value !== null) {
        const d = Math.abs(i / exc - value), dc = Math.min(d, 1 - d);
        r = backgroundHz + inputPeakHz * Math.exp(-(dc * dc) / (2 * inputSigma * inputSigma));
      }
      this.rates[i] = r;
    }
    this.modules[v].input!.start(this.rates, this.step, rng);
  }

  private setLearning(on: boolean): void {
    for (const v of VARIABLE_MODULES) { this.up[v].learning = on; this.down[v].learning = on; }
  }

  private get learning(): boolean { return this.up.A.learning; }

  /**
   * Presents one example for config.presentMs with input bumps of peak `peakHz`; adds the spikes of
   * each excitatory neuron of C from readoutFromMs on into `cCounts` (when given) and returns H's
   * total excitatory spikes.
   */
  private present(values: Record<Variable, number | null>, cCounts: Float64Array | null, peakHz: number, rng: Rng): number {
    const cfg = this.config;
    const all = Object.values(this.modules);
    for (const m of all) { resetLif(m.excParams, m.exc); resetLif(DC_INHIBITORY, m.inh); }
    for (const v of VARIABLE_MODULES) { this.setInput(v, values[v], peakHz, rng); this.up[v].resetTraces(); this.down[v].resetTraces(); }
    // The adaptive thresholds learn with the synapses and are frozen with them at inference.
    const adapt = this.learning;
    const steps = Math.round(cfg.presentMs / cfg.dt), readFrom = Math.round(cfg.readoutFromMs / cfg.dt);
    const H = this.modules.H;
    const C = this.modules.C.exc;
    let hiddenSpikes = 0;
    for (let k = 0; k < steps; k++, this.step++) {
      const t = this.step;
      // Deliver the spikes of the previous step (one step of synaptic delay everywhere), then integrate.
      for (const m of all) for (const p of m.internal) p.deliverPre(t);
      for (const v of VARIABLE_MODULES) {
        this.modules[v].inputProjection!.deliverPre(t);
        this.up[v].deliverPre(t);
        this.down[v].deliverPre(t);
      }
      for (const m of all) {
        stepLif(m.excParams, m.exc, t, adapt);
        stepLif(DC_INHIBITORY, m.inh, t);
        m.input?.step(t, rng);
      }
      for (const v of VARIABLE_MODULES) { this.up[v].potentiate(t); this.down[v].potentiate(t); }
      hiddenSpikes += H.exc.spikeCount;
      if (cCounts && k >= readFrom) for (let n = 0; n < C.spikeCount; n++) cCounts[C.spikes[n]]++;
    }
    return hiddenSpikes;
  }

  /**
   * Diehl & Cook's rule against silence: presents the example, and again with `boostHz` stronger
   * input bumps (at most `maxBoosts` times) while `response` — the spikes of the module that must
   * answer — stays below `minSpikes`. `cCounts` holds the last presentation's counts.
   */
  private presentUntilHeard(values: Record<Variable, number | null>, cCounts: Float64Array | null, rng: Rng,
    response: (hiddenSpikes: number) => number): { lastHidden: number; allHidden: number } {
    const { inputPeakHz, boostHz, minSpikes, maxBoosts } = this.config;
    let lastHidden = 0, allHidden = 0;
    for (let boost = 0; boost <= maxBoosts; boost++) {
      cCounts?.fill(0);
      lastHidden = this.present(values, cCounts, inputPeakHz + boost * boostHz, rng);
      allHidden += lastHidden;
      if (response(lastHidden) >= minSpikes) break;
    }
    return { lastHidden, allHidden };
  }

  /** One training example: a consistent triple on all three inputs, STDP on, then weight normalisation. */
  trainExample(): { hiddenSpikes: number } {
    const a = this.rng.float(), b = this.rng.float();
    this.setLearning(true);
    const { lastHidden } = this.presentUntilHeard({ A: a, B: b, C: this.relation.c(a, b) }, null, this.rng, (h) => h);
    for (const v of VARIABLE_MODULES) { this.up[v].normalize(this.config.toHidden.sum); this.down[v].normalize(this.config.fromHidden.sum); }
    this.examplesSeen++;
    return { hiddenSpikes: lastHidden };
  }

  /**
   * Infers C from A and B (C's input silent) on `count` fresh triples drawn from `rng`, with plasticity
   * and threshold adaptation off. Everything random comes from `rng`, so evaluating never changes the
   * training run.
   */
  evaluate(count: number, rng: Rng): StdpInferenceResult {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`StdpRelationalNetwork.evaluate: count must be a positive integer, got ${count}`);
    const wasLearning = this.learning, clock = this.step;
    this.setLearning(false);
    const counts = new Float64Array(this.config.exc);
    let se = 0, silent = 0, cSpikes = 0, hSpikes = 0;
    const sum = (a: Float64Array) => a.reduce((t, v) => t + v, 0);
    for (let n = 0; n < count; n++) {
      const a = rng.float(), b = rng.float(), c = this.relation.c(a, b);
      hSpikes += this.presentUntilHeard({ A: a, B: b, C: null }, counts, rng, () => sum(counts)).allHidden;
      const { x, y, total } = populationVector(counts);
      cSpikes += total;
      let decoded: number;
      if (total === 0) { silent++; decoded = rng.float(); }
      else decoded = ((Math.atan2(y, x) / (2 * Math.PI)) % 1 + 1) % 1;
      const e = circularError(c, decoded);
      se += e * e;
    }
    this.setLearning(wasLearning);
    this.step = clock;
    return { rmse: Math.sqrt(se / count), chance: CHANCE_RMSE, count, silent, cSpikes: cSpikes / count, hiddenSpikes: hSpikes / count };
  }
}
