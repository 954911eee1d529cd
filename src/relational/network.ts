// The spiking relational network (docs/methods-snn.md §12): three populations of N input neurons (one per
// variable, circular bump codes), one hidden integrate-and-fire layer, and three output populations
// of non-spiking integrators. The variable to infer is silenced at the input; training applies
// SpikeGrad (ternary error spikes through the transposed synapses) with an MSE error on that
// population's output bump, so one network learns to infer any variable from the other two.
import { Adam } from '../engine/optim/adam.js';
import { Rng } from '../engine/random.js';
import { fastBackwardFrom, fastForward, outputErrorsFrom } from '../snn/fastPath.js';
import type { OutputErrorFn } from '../snn/outputError.js';
import { eventDrivenStep, optimizeFromCounts } from '../snn/train.js';
import type { BatchResult } from '../snn/eventSim.js';
import type { Synapses } from '../snn/layers.js';
import { SpikeGradNetwork, type SpikeGradConfig } from '../snn/network.js';
import { CHANCE_RMSE, circularError, decodeBump, encodeBump } from './populationCode.js';
import type { Relation } from './relations.js';
import { codingSpikeConfig, drawPoissonCounts, type InputCoding } from './inputCoding.js';

/**
 * The STDP relational network this one is compared with (Diehl & Cook 2016, arXiv:1608.08267): four
 * modules (A, B, C, hidden) of 1,600 excitatory + 400 inhibitory LIF neurons, each variable module driven
 * by 1,600 Poisson inputs. See docs/results/relational.md for the source of these sizes.
 */
export const DIEHL_COOK_2016_NEURONS = { input: 3 * 1600, hidden: 4 * (1600 + 400), total: 3 * 1600 + 4 * (1600 + 400) } as const;

export interface RelationalConfig {
  /** Neurons per variable population (N). */
  neurons: number;
  hidden: number;
  /** Which variables training silences: 'any' (random per example) or a fixed one. */
  infer: 'any' | 'A' | 'B' | 'C';
  /** MSE on the silenced population only, or on all three (the variant in §12.2). */
  lossOn: 'missing' | 'all';
  lr: number;
  batchSize: number;
  /** How the inputs arrive (§12.4): analog currents, regular rate spikes, or Poisson spikes; spike.gain is the input gain G. */
  coding: InputCoding;
  spike: Partial<SpikeGradConfig>;
}

export const DEFAULT_RELATIONAL: RelationalConfig = {
  neurons: 100, hidden: 256, infer: 'any', lossOn: 'missing', lr: 2e-3, batchSize: 32, coding: 'analog',
  // G = 4: with G = 16 the large initial output errors silence the hidden layer for N = 100 (see docs/results/relational.md).
  spike: { gain: 4, errorScale: 64, loss: 'mse', input: 'analog' },
};

const VARS = ['A', 'B', 'C'] as const;

export interface Triple { v: [number, number, number]; missing: number }

export class RelationalNetwork {
  readonly net: SpikeGradNetwork;
  readonly optimizer: Adam;
  readonly cfg: RelationalConfig;
  /** Input gain G (for Poisson coding the network itself sees counts at gain 1). */
  readonly gain: number;
  /** Draws the Poisson input spikes (Poisson coding only, so the other codings consume no randomness for it). */
  private readonly codingRng: Rng | null;

  constructor(readonly relation: Relation, cfg: Partial<RelationalConfig>, rng: Rng) {
    this.cfg = { ...DEFAULT_RELATIONAL, ...cfg, spike: { ...DEFAULT_RELATIONAL.spike, ...cfg.spike } };
    const { neurons: N, hidden } = this.cfg;
    if (!Number.isInteger(N) || N < 4) throw new RangeError(`relational: neurons per population must be an integer ≥ 4, got ${N}`);
    if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`relational: hidden must be a positive integer, got ${hidden}`);
    if (!['any', 'A', 'B', 'C'].includes(this.cfg.infer)) throw new RangeError(`relational: infer must be any, A, B or C, got ${this.cfg.infer}`);
    this.gain = this.cfg.spike.gain ?? 4;
    const spike = { ...this.cfg.spike, ...codingSpikeConfig(this.cfg.coding, this.gain) };
    this.net = SpikeGradNetwork.create([3 * N, 1, 1], [{ kind: 'dense', units: hidden }, { kind: 'dense', units: 3 * N }], spike, rng);
    this.codingRng = this.cfg.coding === 'poisson' ? rng.split() : null;
    this.optimizer = new Adam(this.net.weights, { lr: this.cfg.lr });
  }

  /** Neurons in the network: input, hidden and output populations (counted like DIEHL_COOK_2016_NEURONS). */
  get neuronCount(): { input: number; hidden: number; output: number; total: number } {
    const N = this.cfg.neurons, h = this.cfg.hidden;
    return { input: 3 * N, hidden: h, output: 3 * N, total: 6 * N + h };
  }

  sample(rng: Rng, missing?: number): Triple {
    const a = rng.float(), b = rng.float();
    const m = missing ?? (this.cfg.infer === 'any' ? rng.int(3) : VARS.indexOf(this.cfg.infer));
    return { v: [a, b, this.relation.c(a, b)], missing: m };
  }

  /**
   * The network's input for a batch: the bumps of the two known variables, zeros for the silenced
   * one, as analog rates (analog and regular coding: the network turns them into currents or spikes)
   * or as drawn Poisson spike counts.
   */
  encode(triples: readonly Triple[]): Float32Array {
    const N = this.cfg.neurons;
    const x = new Float32Array(triples.length * 3 * N);
    triples.forEach((t, i) => {
      for (let k = 0; k < 3; k++) if (k !== t.missing) encodeBump(t.v[k], N, x, (i * 3 + k) * N);
    });
    if (this.codingRng) drawPoissonCounts(x, this.gain, this.codingRng);
    return x;
  }

  /**
   * The masked MSE of one triple as an output error (docs/methods-snn.md §6): S·(a − bump) on the
   * trained populations (the silenced one, or all three), 0 elsewhere. Both execution paths call it.
   */
  errorFunction(t: Triple): OutputErrorFn {
    const N = this.cfg.neurons, S = this.net.config.errorScale, lossOn = this.cfg.lossOn;
    const target = new Float32Array(3 * N);
    for (let k = 0; k < 3; k++) encodeBump(t.v[k], N, target, k * N);
    return (logits, out) => {
      for (let k = 0; k < 3; k++) {
        if (lossOn === 'missing' && k !== t.missing) continue;
        for (let x = k * N; x < (k + 1) * N; x++) out[x] = S * (logits[x] - target[x]);
      }
    };
  }

  /** One SpikeGrad minibatch; returns the mean squared error on the trained populations. */
  step(triples: readonly Triple[]): number {
    const N = this.cfg.neurons, n = triples.length, net = this.net;
    const fwd = fastForward(net, this.encode(triples), n);
    const E = outputErrorsFrom(net, fwd.logits, triples.map((t) => this.errorFunction(t)), n);
    // Monitoring only: the plain MSE of the same populations.
    const target = new Float32Array(3 * N);
    let se = 0, count = 0;
    triples.forEach((t, i) => {
      for (let k = 0; k < 3; k++) encodeBump(t.v[k], N, target, k * N);
      for (let k = 0; k < 3; k++) {
        if (this.cfg.lossOn === 'missing' && k !== t.missing) continue;
        for (let x = 0; x < N; x++) { const e = fwd.logits[(i * 3 + k) * N + x] - target[k * N + x]; se += e * e; count++; }
      }
    });
    optimizeFromCounts(net, this.optimizer, fastBackwardFrom(net, fwd, E).rawGradients, n);
    return se / Math.max(1, count);
  }

  /** One minibatch trained event-driven: the masked MSE injected as error currents into the simulator (synapses from buildNetworkSynapses). */
  stepEventDriven(triples: readonly Triple[], synapses: readonly Synapses[]): BatchResult {
    return eventDrivenStep(this.net, synapses, this.optimizer, this.encode(triples), triples.map((t) => this.errorFunction(t)), triples.length, { inputTicks: 8 });
  }

  /** Decoded values of the silenced variable of each triple from output integrations (N × 3·N, float32 or float64). */
  decode(logits: ArrayLike<number>, triples: readonly Triple[]): Float64Array {
    const N = this.cfg.neurons;
    return Float64Array.from(triples, (t, i) => decodeBump(logits, N, (i * 3 + t.missing) * N));
  }

  /** Decoded values of the silenced variable of each triple (fast path). */
  infer(triples: readonly Triple[]): Float64Array {
    return this.decode(fastForward(this.net, this.encode(triples), triples.length).logits, triples);
  }

  /** Circular RMSE when inferring variable `missing` on `count` fresh triples. */
  evaluate(missing: number, count: number, rng: Rng): { rmse: number; mse: number; chanceRmse: number } {
    let se = 0;
    for (let o = 0; o < count; o += 500) {
      const batch = Array.from({ length: Math.min(500, count - o) }, () => this.sample(rng, missing));
      const got = this.infer(batch);
      batch.forEach((t, i) => { const d = circularError(t.v[missing], got[i]); se += d * d; });
    }
    return { rmse: Math.sqrt(se / count), mse: se / count, chanceRmse: CHANCE_RMSE };
  }
}

export const VARIABLES = VARS;
