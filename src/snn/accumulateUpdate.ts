// The accumulate-only integer weight update (docs/methods-snn.md §16): what a neuromorphic chip can do
// with adders and comparators alone. Every weight is a fixed-point integer register q (weight =
// q·2^−F, two's complement, `weightBits` wide, saturating). During a minibatch every error spike
// z ∈ {−1, +1} of neuron i adds z·c_j — that is, adds or subtracts the integer count c_j — into the
// batch accumulator of each of i's input synapses; a neuron with error count E does this |E| times.
// After the batch each touched synapse adds its accumulator into a residual register r, compares
// |r| with the threshold 2^k, and when it is reached moves the weight by ⌊|r|/2^k⌋ LSBs (a right
// shift) against the sign of r and subtracts what it used (a left shift) from r — the weight's own
// integrate-and-fire with subtractive reset, so sub-LSB gradient is kept, not rounded away. No
// multiplication and no float optimizer state: the state per synapse is q and r, both integers.
//
// The layer-1 presynaptic trace G·x of analog input is not an integer; it is carried in fixed point
// with `inputFracBits` fractional bits (quantised once per example, as an input converter would), and
// layer 1's shift is larger by the same number of bits so that all layers share one learning rate.
import { base64ToBytes, bytesToBase64 } from '../engine/serialize.js';
import { buildSynapses, type Synapses } from './layers.js';
import type { FastBackward, FastForward } from './fastPath.js';
import type { SpikeGradNetwork } from './network.js';

export interface AccumulateConfig {
  /** Width of a weight register in bits, sign included (saturating two's complement). */
  readonly weightBits: number;
  /** Fractional bits F of a weight register: register value q is the weight q·2^−F (Θ_ff units). */
  readonly fracBits: number;
  /** Threshold shift k: one weight LSB per 2^k accumulated units (the learning rate is 2^−(F+k)). */
  readonly shift: number;
  /** Fractional bits of the layer-1 trace G·x when the input is analog (rate input is already integer). */
  readonly inputFracBits: number;
}

export const DEFAULT_ACCUMULATE: AccumulateConfig = Object.freeze({ weightBits: 16, fracBits: 12, shift: 8, inputFracBits: 4 });

export function validateAccumulateConfig(c: AccumulateConfig): void {
  const int = (k: keyof AccumulateConfig, lo: number, hi: number) => {
    if (!Number.isInteger(c[k]) || c[k] < lo || c[k] > hi) throw new RangeError(`accumulate update: ${k} must be an integer in [${lo}, ${hi}], got ${c[k]}`);
  };
  int('weightBits', 2, 31);
  int('fracBits', 0, c.weightBits - 1);
  int('shift', 0, 30);
  int('inputFracBits', 0, 16);
}

/** Operations of the update, summed over examples (docs/methods-snn.md §16). */
export interface UpdateOps {
  examples: number;
  /** Batch-accumulator additions: one per input synapse per error spike (Σ |E_i|·fan-in_i). */
  accumulations: number;
  /** Residual-register additions (accumulator into r) and weight-register additions (the LSB step). */
  registerAdditions: number;
  /** Threshold comparisons |r| ≥ 2^k, and the two saturation comparisons of each weight step. */
  comparisons: number;
  /** Shifts: ⌊|r|/2^k⌋ and its left shift back, two per weight step. */
  shifts: number;
  /** Weight registers that changed. */
  weightSteps: number;
  /** Multiplications performed by the update: none (kept as a field so reports state it). */
  multiplications: number;
}

export function emptyUpdateOps(): UpdateOps {
  return { examples: 0, accumulations: 0, registerAdditions: 0, comparisons: 0, shifts: 0, weightSteps: 0, multiplications: 0 };
}

export function addUpdateOps(into: UpdateOps, from: UpdateOps): UpdateOps {
  for (const k of Object.keys(into) as (keyof UpdateOps)[]) into[k] += from[k];
  return into;
}

/** Per-example averages of UpdateOps. */
export function summariseUpdateOps(o: UpdateOps) {
  const per = (v: number) => (o.examples ? v / o.examples : 0);
  return {
    examples: o.examples,
    accumulationsPerExample: per(o.accumulations),
    registerAdditionsPerExample: per(o.registerAdditions),
    comparisonsPerExample: per(o.comparisons),
    shiftsPerExample: per(o.shifts),
    weightStepsPerExample: per(o.weightSteps),
    multiplicationsPerExample: per(o.multiplications),
  };
}

/** ⌊m / 2^k⌋ for an integer m ≥ 0: a right shift (JS shifts stop at 32 bits, so larger m divide by the power of two, which is the same shift). */
function shr(m: number, k: number): number {
  return m < 0x80000000 ? m >>> k : Math.floor(m / 2 ** k);
}

export interface AccumulateState {
  readonly config: AccumulateConfig;
  /** Extra shift from the schedule (k_e = k + extraShift); null freezes the weights. */
  readonly extraShift: number | null;
  /** Per weight tensor: the weight registers and residuals as little-endian int32, base64. */
  readonly q: readonly string[];
  readonly residual: readonly string[];
}

const i32ToBase64 = (a: Int32Array): string => bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
function base64ToI32(b64: string, n: number, what: string): Int32Array {
  const bytes = base64ToBytes(b64, what);
  if (bytes.length !== 4 * n) throw new TypeError(`${what}: expected ${n} int32 values, got ${bytes.length / 4}`);
  return new Int32Array(bytes.slice().buffer);
}

export class AccumulateUpdater {
  readonly config: AccumulateConfig;
  /** Weight registers, one Int32Array per weight tensor. */
  readonly q: Int32Array[];
  /** Sub-LSB residuals, |r| < 2^k after every update. */
  readonly residual: Int32Array[];
  /** Batch accumulators (integers; float64 so that a large batch cannot wrap around). */
  private readonly acc: Float64Array[];
  private readonly synapses: (Synapses | null)[];
  /** Extra shift set by the schedule; null: the schedule reached zero, weights frozen. */
  extraShift: number | null = 0;
  readonly ops: UpdateOps = emptyUpdateOps();

  /** Quantises the network's current float weights to registers (round to nearest, saturating) and writes the float view back. */
  constructor(readonly net: SpikeGradNetwork, config: Partial<AccumulateConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_ACCUMULATE, ...config });
    validateAccumulateConfig(this.config);
    const { fracBits, weightBits } = this.config;
    const max = 2 ** (weightBits - 1) - 1, min = -(2 ** (weightBits - 1));
    this.q = net.weights.map((w) => Int32Array.from(w.f32, (v) => Math.max(min, Math.min(max, Math.round(v * 2 ** fracBits)))));
    this.residual = net.weights.map((w) => new Int32Array(w.size));
    this.acc = net.weights.map((w) => new Float64Array(w.size));
    this.synapses = net.layers.map((l) => (l.weightIndex >= 0 ? buildSynapses(l) : null));
    this.writeFloatView();
  }

  /** The float32 weights the engine kernels read: exactly q·2^−F (a view of the registers, not chip state). */
  writeFloatView(): void {
    const scale = 2 ** -this.config.fracBits;
    this.net.weights.forEach((w, i) => { const d = w.f32, q = this.q[i]; for (let j = 0; j < d.length; j++) d[j] = q[j] * scale; });
  }

  /** Layer-1 trace as integers: rate input is already a count; analog G·x is rounded to inputFracBits fractional bits. */
  private inputTrace(fwd: FastForward): Float64Array {
    if (this.net.config.input === 'rate') return Float64Array.from(fwd.input);
    const s = 2 ** this.config.inputFracBits;
    return Float64Array.from(fwd.input, (v) => Math.round(v * s));
  }

  /**
   * Adds one minibatch's error spikes into the batch accumulators: for every neuron with error count
   * E ≠ 0, |E| additions (E > 0) or subtractions (E < 0) of each input count into its synapses.
   */
  accumulate(fwd: FastForward, bwd: FastBackward): void {
    const net = this.net, n = fwd.n;
    const trace = this.inputTrace(fwd);
    net.layers.forEach((layer, li) => {
      const syn = this.synapses[li];
      const E = bwd.errors[li];
      if (!syn || !E) return;
      const pre = li === 0 ? trace : fwd.counts[li - 1];
      const nPre = syn.nPre, acc = this.acc[layer.weightIndex];
      for (let b = 0; b < n; b++) {
        const eOff = b * layer.size, pOff = b * nPre;
        for (let i = 0; i < layer.size; i++) {
          const e = E[eOff + i];
          if (e === 0) continue;
          const spikes = e > 0 ? e : -e;
          const s0 = syn.inStart[i], s1 = syn.inStart[i + 1];
          this.ops.accumulations += spikes * (s1 - s0);
          for (let s = s0; s < s1; s++) {
            const v = pre[pOff + syn.inPre[s]];
            if (v === 0) continue; // adding zero |E| times changes nothing (still counted above)
            let sum = 0;
            for (let r = 0; r < spikes; r++) sum += v; // |E| accumulations of the count, no product
            acc[syn.inWeight[s]] += e > 0 ? sum : -sum;
          }
        }
      }
    });
    this.ops.examples += n;
  }

  /** Applies the accumulated batch: residual += accumulator; threshold compare; shift; weight step; saturate. Clears the accumulators. */
  apply(): void {
    const { weightBits, shift, inputFracBits } = this.config;
    const max = 2 ** (weightBits - 1) - 1, min = -(2 ** (weightBits - 1));
    const analog = this.net.config.input !== 'rate';
    this.net.layers.forEach((layer) => {
      if (layer.weightIndex < 0) return;
      const wi = layer.weightIndex, acc = this.acc[wi], q = this.q[wi], res = this.residual[wi];
      if (this.extraShift === null) { acc.fill(0); return; }
      const k = shift + this.extraShift + (wi === 0 && analog ? inputFracBits : 0);
      const threshold = 2 ** k;
      for (let j = 0; j < acc.length; j++) {
        const a = acc[j];
        if (a === 0) continue;
        acc[j] = 0;
        const r = res[j] + a;
        this.ops.registerAdditions++;
        this.ops.comparisons++;
        const m = r < 0 ? -r : r;
        if (m < threshold) { res[j] = r; continue; }
        const steps = shr(m, k);
        const used = steps * threshold; // steps << k: a left shift (JS shifts stop at 32 bits)
        res[j] = r < 0 ? r + used : r - used;
        // Gradient descent: the weight moves against the accumulated error·activity.
        let v = r < 0 ? q[j] + steps : q[j] - steps;
        this.ops.shifts += 2;
        this.ops.registerAdditions += 2;
        this.ops.comparisons += 2;
        if (v > max) v = max;
        else if (v < min) v = min;
        if (v !== q[j]) this.ops.weightSteps++;
        q[j] = v;
      }
    });
    this.writeFloatView();
  }

  /** Schedule hook: the factor f ∈ [0, 1] of the float schedule becomes an integer extra shift round(log₂(1/f)); f = 0 freezes. */
  setScheduleFactor(f: number): void {
    if (!(f >= 0 && f <= 1)) throw new RangeError(`accumulate update: schedule factor must be in [0, 1], got ${f}`);
    this.extraShift = f === 0 ? null : Math.round(-Math.log2(f));
  }

  state(): AccumulateState {
    return { config: this.config, extraShift: this.extraShift, q: this.q.map(i32ToBase64), residual: this.residual.map(i32ToBase64) };
  }

  loadState(s: AccumulateState): void {
    if (!s || !Array.isArray(s.q) || !Array.isArray(s.residual) || s.q.length !== this.q.length || s.residual.length !== this.q.length) {
      throw new TypeError(`AccumulateUpdater.loadState: expected ${this.q.length} weight and residual registers`);
    }
    if (JSON.stringify(s.config) !== JSON.stringify(this.config)) throw new TypeError(`AccumulateUpdater.loadState: state was written with ${JSON.stringify(s.config)}, this updater uses ${JSON.stringify(this.config)}`);
    this.q.forEach((q, i) => q.set(base64ToI32(s.q[i], q.length, `weight registers ${i}`)));
    this.residual.forEach((r, i) => r.set(base64ToI32(s.residual[i], r.length, `residual registers ${i}`)));
    this.extraShift = s.extraShift;
    this.writeFloatView();
  }
}
