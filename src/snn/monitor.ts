// Per-step activity of a SpikeGrad network during training, for watching what the loss alone hides:
// how large the logits get, whether their mean drifts, how active each layer stays, and whether the
// output error counts sum to zero (docs/results/spikegrad.md traces the CIFAR-10 breakdowns with it).
import type { SpikeCounters } from './counters.js';
import type { FastForward } from './fastPath.js';
import type { SpikeGradNetwork } from './network.js';

export interface StepActivity {
  /** Largest |logit| in the batch. */
  readonly maxAbsLogit: number;
  /** Mean logit over the batch's examples and classes. */
  readonly meanLogit: number;
  /** Mean over the batch of each example's summed output error counts (0 under 'zero-sum'). */
  readonly outputErrorSum: number;
  /** Mean count per neuron of each spiking conv / dense layer (pools and the output excluded), in order. */
  readonly meanCounts: readonly number[];
}

/**
 * The activity of one fast-path step. The mean counts come from the step's own counters (`spikes` is
 * Σ c per layer, summed in the same order), so the monitor adds no second pass over the counts.
 */
export function stepActivity(net: SpikeGradNetwork, fwd: FastForward, outputErrors: Float32Array, counters: SpikeCounters): StepActivity {
  let maxAbsLogit = 0, sum = 0;
  for (const v of fwd.logits) { maxAbsLogit = Math.max(maxAbsLogit, Math.abs(v)); sum += v; }
  let errorSum = 0;
  for (const e of outputErrors) errorSum += e;
  const meanCounts: number[] = [];
  net.layers.forEach((l, li) => {
    if (!l.pool && !l.isOutput) meanCounts.push(counters.layers[li].spikes / (l.size * fwd.n));
  });
  return { maxAbsLogit, meanLogit: sum / fwd.logits.length, outputErrorSum: errorSum / fwd.n, meanCounts };
}

/** Means over a window of steps: loss and accuracy per example, the activity per step (max |logit|: the largest). */
export class ActivityWindow {
  private steps = 0;
  private examples = 0;
  private loss = 0;
  private correct = 0;
  private maxAbsLogit = 0;
  private meanLogit = 0;
  private errorSum = 0;
  private counts: number[] = [];

  add(loss: number, correct: number, n: number, a: StepActivity): void {
    this.steps++; this.examples += n; this.loss += loss * n; this.correct += correct;
    this.maxAbsLogit = Math.max(this.maxAbsLogit, a.maxAbsLogit);
    this.meanLogit += a.meanLogit; this.errorSum += a.outputErrorSum;
    a.meanCounts.forEach((c, i) => { this.counts[i] = (this.counts[i] ?? 0) + c; });
  }

  get size(): number { return this.steps; }

  /** The window's summary; starts a new window. */
  take(): { loss: number; accuracy: number; maxAbsLogit: number; meanLogit: number; outputErrorSum: number; meanCounts: number[] } {
    const s = this.steps || 1, e = this.examples || 1;
    const r = { loss: this.loss / e, accuracy: this.correct / e, maxAbsLogit: this.maxAbsLogit, meanLogit: this.meanLogit / s, outputErrorSum: this.errorSum / s, meanCounts: this.counts.map((c) => c / s) };
    this.steps = 0; this.examples = 0; this.loss = 0; this.correct = 0; this.maxAbsLogit = 0; this.meanLogit = 0; this.errorSum = 0; this.counts = [];
    return r;
  }
}
