// The spiking relational network (docs/methods-snn.md §12): three populations of N input neurons (one per
// variable, circular bump codes), one hidden integrate-and-fire layer, and three output populations
// of non-spiking integrators. The variable to infer is silenced at the input; training applies
// SpikeGrad (ternary error spikes through the transposed synapses) with an MSE error on that
// population's output bump, so one network learns to infer any variable from the other two.
import { Adam } from '../engine/optim/adam.js';
import { Rng } from '../engine/random.js';
import { errorCount } from '../snn/ifNeuron.js';
import { fastBackwardFrom, fastForward } from '../snn/fastPath.js';
import { optimizeFromCounts } from '../snn/train.js';
import { SpikeGradNetwork, type SpikeGradConfig } from '../snn/network.js';
import { CHANCE_RMSE, circularError, decodeBump, encodeBump } from './populationCode.js';
import type { Relation } from './relations.js';

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
  spike: Partial<SpikeGradConfig>;
}

export const DEFAULT_RELATIONAL: RelationalConfig = {
  neurons: 100, hidden: 256, infer: 'any', lossOn: 'missing', lr: 2e-3, batchSize: 32,
  // G = 4: with G = 16 the large initial output errors silence the hidden layer for N = 100 (see docs/results/relational.md).
  spike: { gain: 4, errorScale: 64, loss: 'mse', input: 'analog' },
};

const VARS = ['A', 'B', 'C'] as const;

export interface Triple { v: [number, number, number]; missing: number }

export class RelationalNetwork {
  readonly net: SpikeGradNetwork;
  readonly optimizer: Adam;
  readonly cfg: RelationalConfig;

  constructor(readonly relation: Relation, cfg: Partial<RelationalConfig>, rng: Rng) {
    this.cfg = { ...DEFAULT_RELATIONAL, ...cfg, spike: { ...DEFAULT_RELATIONAL.spike, ...cfg.spike } };
    const { neurons: N, hidden } = this.cfg;
    if (!Number.isInteger(N) || N < 4) throw new RangeError(`relational: neurons per population must be an integer ≥ 4, got ${N}`);
    if (!Number.isInteger(hidden) || hidden < 1) throw new RangeError(`relational: hidden must be a positive integer, got ${hidden}`);
    if (!['any', 'A', 'B', 'C'].includes(this.cfg.infer)) throw new RangeError(`relational: infer must be any, A, B or C, got ${this.cfg.infer}`);
    this.net = SpikeGradNetwork.create([3 * N, 1, 1], [{ kind: 'dense', units: hidden }, { kind: 'dense', units: 3 * N }], this.cfg.spike, rng);
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

  /** Input currents: the bumps of the two known variables, zeros for the silenced one. */
  encode(triples: readonly Triple[]): Float32Array {
    const N = this.cfg.neurons;
    const x = new Float32Array(triples.length * 3 * N);
    triples.forEach((t, i) => {
      for (let k = 0; k < 3; k++) if (k !== t.missing) encodeBump(t.v[k], N, x, (i * 3 + k) * N);
    });
    return x;
  }

  /** One SpikeGrad minibatch; returns the mean squared error on the trained populations. */
  step(triples: readonly Triple[]): number {
    const N = this.cfg.neurons, n = triples.length, net = this.net;
    const { errorScale: S, thetaBp, quantiser } = net.config;
    const fwd = fastForward(net, this.encode(triples), n);
    const target = new Float32Array(3 * N);
    const E = new Float32Array(n * 3 * N);
    let se = 0, count = 0;
    triples.forEach((t, i) => {
      for (let k = 0; k < 3; k++) encodeBump(t.v[k], N, target, k * N);
      for (let k = 0; k < 3; k++) {
        if (this.cfg.lossOn === 'missing' && k !== t.missing) continue;
        for (let x = 0; x < N; x++) {
          const j = (i * 3 + k) * N + x;
          const e = fwd.logits[j] - target[k * N + x];
          se += e * e; count++;
          E[j] = errorCount(S * e, thetaBp, quantiser);
        }
      }
    });
    optimizeFromCounts(net, this.optimizer, fastBackwardFrom(net, fwd, E).rawGradients, n);
    return se / Math.max(1, count);
  }

  /** Decoded values of the silenced variable of each triple. */
  infer(triples: readonly Triple[]): Float64Array {
    const N = this.cfg.neurons;
    const fwd = fastForward(this.net, this.encode(triples), triples.length);
    return Float64Array.from(triples, (t, i) => decodeBump(fwd.logits, N, (i * 3 + t.missing) * N));
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
