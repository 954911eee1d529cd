// Poisson spike sources for the STDP networks: each neuron fires in a time step with probability
// rate·dt (a Bernoulli process per step, the discrete Poisson process). Instead of one random draw per
// neuron per step, the gap to the next spike is drawn from the matching geometric distribution: one
// draw per spike (plus a comparison per neuron and step), and the same spike trains in distribution.
import type { Rng } from '../../engine/random.js';

/** What a projection needs from its presynaptic side: its size, the last step's spikes and each neuron's last spike step. */
export interface SpikeSource {
  readonly size: number;
  readonly lastSpike: Int32Array;
  readonly spikes: Int32Array;
  readonly spikeCount: number;
}

export class PoissonSource implements SpikeSource {
  readonly lastSpike: Int32Array;
  /** Indices of the neurons that fired in the last step: spikes[0 .. spikeCount). */
  readonly spikes: Int32Array;
  spikeCount = 0;
  private readonly next: Float64Array;
  private readonly logKeep: Float64Array;

  /** @param dt time step in ms */
  constructor(readonly size: number, readonly dt: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`PoissonSource: size must be a positive integer, got ${size}`);
    if (!(dt > 0)) throw new RangeError(`PoissonSource: dt must be > 0 (ms), got ${dt}`);
    this.lastSpike = new Int32Array(size).fill(-1);
    this.spikes = new Int32Array(size);
    this.next = new Float64Array(size).fill(Infinity);
    this.logKeep = new Float64Array(size);
  }

  /** Sets the rates (Hz) from step `step` on and draws each neuron's first spike; forgets the spike history. */
  start(rates: ArrayLike<number>, step: number, rng: Rng): void {
    if (rates.length !== this.size) throw new RangeError(`PoissonSource.start: expected ${this.size} rates, got ${rates.length}`);
    this.lastSpike.fill(-1);
    this.spikeCount = 0;
    for (let i = 0; i < this.size; i++) {
      const p = (rates[i] * this.dt) / 1000;
      if (!(p >= 0 && p < 1)) throw new RangeError(`PoissonSource.start: rate ${rates[i]} Hz at neuron ${i} must be ≥ 0 and below one spike per step (${1000 / this.dt} Hz)`);
      this.logKeep[i] = p > 0 ? Math.log1p(-p) : 0;
      this.next[i] = p > 0 ? step + this.gap(i, rng) : Infinity;
    }
  }

  /** Fires the neurons whose next spike falls on `step` and draws their following spike. */
  step(step: number, rng: Rng): number {
    let n = 0;
    const { next, spikes, lastSpike } = this;
    for (let i = 0; i < this.size; i++) {
      if (next[i] <= step) {
        spikes[n++] = i;
        lastSpike[i] = step;
        next[i] = step + 1 + this.gap(i, rng);
      }
    }
    this.spikeCount = n;
    return n;
  }

  /** Steps without a spike before the next one: geometric with success probability p. */
  private gap(i: number, rng: Rng): number {
    let u = rng.float();
    while (u === 0) u = rng.float();
    return Math.floor(Math.log(u) / this.logKeep[i]);
  }
}
