// Event-driven evaluation (docs/methods-snn.md §8.3): inference as a chip would run it — every input
// current, spike and synaptic event simulated to quiescence — on many examples, side by side with the
// ANN-equivalent fast path on the same weights, counting where the two disagree. The counters come
// from the events themselves (correction spikes included), not from net counts. Platform-neutral:
// the CLI splits the examples over worker threads (src/cli/eventEvalPool.ts) and merges the parts.
import { addCounters, emptyCounters, type SpikeCounters } from './counters.js';
import { buildNetworkSynapses, simulateExample } from './eventSim.js';
import { fastForward, predict } from './fastPath.js';
import type { Synapses } from './layers.js';
import type { SpikeGradNetwork } from './network.js';

export interface EventEvalResult {
  readonly examples: number;
  /** Event-driven output integrations (logits), N × outputs. */
  readonly eventLogits: Float64Array;
  /** The fast path's logits on the same inputs, N × outputs. */
  readonly fastLogits: Float32Array;
  /** Examples whose event-driven prediction (first maximal logit) differs from the fast path's. */
  predictionMismatches: number;
  /** Examples with at least one forward spike count that differs between the paths. */
  examplesWithCountMismatch: number;
  /** Neuron-examples whose final forward count differs. */
  countMismatches: number;
  /**
   * Output values that are not bitwise equal, and the largest absolute difference among them. With
   * exactly representable weights and inputs both are 0; with ordinary float weights the event path's
   * float64 sums and the kernels' float32 sums round differently, by about float32's precision.
   */
  logitMismatches: number;
  maxLogitDifference: number;
  /** Forward-phase events of the simulation (inference only: no error spikes). */
  readonly counters: SpikeCounters;
  /** Seconds spent in the event-driven simulation (summed over workers when merged). */
  eventSeconds: number;
}

export interface EventEvalOptions {
  /** T_in. Default 8. */
  readonly inputTicks?: number;
  /** Synapse lists, when the caller reuses them across calls. */
  readonly synapses?: readonly Synapses[];
  /** Fast-path batch size. Default 64. */
  readonly batchSize?: number;
}

/** Runs examples [0, n) of x (N × inputSize) forward through both paths and compares them. */
export function eventEvaluate(net: SpikeGradNetwork, x: Float32Array, n: number, opts: EventEvalOptions = {}): EventEvalResult {
  const size = net.inputSize, K = net.numClasses;
  if (!Number.isInteger(n) || n < 1 || x.length !== n * size) throw new RangeError(`eventEvaluate: input has ${x.length} values, expected n × ${size} with n ≥ 1 (n = ${n})`);
  const inputTicks = opts.inputTicks ?? 8, bs = opts.batchSize ?? 64;
  const syn = opts.synapses ?? buildNetworkSynapses(net);
  const counters = emptyCounters(net);
  const r: EventEvalResult = {
    examples: n, eventLogits: new Float64Array(n * K), fastLogits: new Float32Array(n * K), predictionMismatches: 0, examplesWithCountMismatch: 0,
    countMismatches: 0, logitMismatches: 0, maxLogitDifference: 0, counters, eventSeconds: 0,
  };
  const none: Float64Array[] = [];
  for (let start = 0; start < n; start += bs) {
    const m = Math.min(bs, n - start);
    const fwd = fastForward(net, x.subarray(start * size, (start + m) * size), m);
    r.fastLogits.set(fwd.logits, start * K);
    // The tick guard follows the largest count the fast path predicts (quiescence takes about that many ticks per layer).
    let maxCount = 0;
    for (const c of fwd.counts) for (let i = 0; i < c.length; i++) maxCount = Math.max(maxCount, Math.abs(c[i]));
    const maxTicks = inputTicks + 4 * (maxCount + 1) * net.layers.length + 1000;
    const fastPred = predict(fwd.logits, m);
    for (let b = 0; b < m; b++) {
      const e = start + b;
      const t0 = performance.now();
      const tr = simulateExample(net, syn, x.subarray(e * size, (e + 1) * size), null, none, counters, { inputTicks, maxTicks });
      r.eventSeconds += (performance.now() - t0) / 1000;
      let mismatch = false;
      net.layers.forEach((l, li) => {
        if (l.isOutput) return;
        const fc = fwd.counts[li], ec = tr.counts[li];
        for (let i = 0; i < l.size; i++) if (ec[i] !== fc[b * l.size + i]) { r.countMismatches++; mismatch = true; }
      });
      let best = 0;
      for (let k = 0; k < K; k++) {
        const ev = tr.logits[k], fv = fwd.logits[b * K + k];
        r.eventLogits[e * K + k] = ev;
        if (ev !== fv) { r.logitMismatches++; r.maxLogitDifference = Math.max(r.maxLogitDifference, Math.abs(ev - fv)); }
        if (ev > tr.logits[best]) best = k;
      }
      if (best !== fastPred[b]) r.predictionMismatches++;
      if (mismatch) r.examplesWithCountMismatch++;
    }
  }
  return r;
}

/** Concatenates results of consecutive example ranges (in order) into one. */
export function mergeEventEval(net: SpikeGradNetwork, parts: readonly EventEvalResult[]): EventEvalResult {
  const n = parts.reduce((a, p) => a + p.examples, 0), K = net.numClasses;
  const counters = emptyCounters(net);
  const r: EventEvalResult = {
    examples: n, eventLogits: new Float64Array(n * K), fastLogits: new Float32Array(n * K), predictionMismatches: 0, examplesWithCountMismatch: 0,
    countMismatches: 0, logitMismatches: 0, maxLogitDifference: 0, counters, eventSeconds: 0,
  };
  let o = 0;
  for (const p of parts) {
    r.eventLogits.set(p.eventLogits, o * K);
    r.fastLogits.set(p.fastLogits, o * K);
    o += p.examples;
    r.predictionMismatches += p.predictionMismatches;
    r.examplesWithCountMismatch += p.examplesWithCountMismatch;
    r.countMismatches += p.countMismatches;
    r.logitMismatches += p.logitMismatches;
    r.maxLogitDifference = Math.max(r.maxLogitDifference, p.maxLogitDifference);
    r.eventSeconds += p.eventSeconds;
    addCounters(counters, p.counters);
  }
  return r;
}
