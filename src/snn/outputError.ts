// Output error injection (docs/methods-snn.md §6): after the forward phase the output integrators hold the
// logits a; the backward phase starts with U = S·∂L/∂a on each output neuron. Both execution paths
// call this one float64 routine on bitwise-equal logits, so they inject bitwise-equal currents.
import { errorCount } from './ifNeuron.js';
import type { SpikeGradConfig } from './network.js';

export type OutputLoss = 'ce' | 'mse';

/**
 * Any per-output error (docs/methods-snn.md §6): writes the backward phase's starting current
 * U = S·∂L/∂a of one example into `out` from that example's logits. A relational network's masked
 * MSE or 2-way cross-entropy is one of these; both execution paths call it on bitwise-equal logits.
 */
export type OutputErrorFn = (logits: Float64Array, out: Float64Array) => void;

/** What the backward phase of one example starts from: a class label (the built-in loss), any error function, or null (forward only). */
export type BackwardTarget = number | OutputErrorFn | null;

/**
 * Writes S·∂L/∂a for one example into `out`: softmax cross-entropy e = softmax(a/τ) − onehot(y), or
 * MSE against the one-hot target e = a − onehot(y).
 *
 * The temperature τ (cross-entropy only) makes e the gradient of τ·CE(a/τ): the error keeps its range
 * [−1, 1] whatever τ, so S keeps its meaning, while the softmax no longer saturates when the integrated
 * logits reach the hundreds. A network without normalisation has no other handle on the logit scale:
 * multiplying the input gain by k multiplies every count (and the logits) by about k, and τ = k undoes
 * that at the output, so the gain can buy finer count resolution without sharpening the softmax.
 */
export function outputErrorCurrent(logits: ArrayLike<number>, label: number, scale: number, loss: OutputLoss, out: Float64Array, temperature = 1): void {
  const K = logits.length;
  if (!Number.isInteger(label) || label < 0 || label >= K) throw new RangeError(`outputErrorCurrent: label must be an integer in [0, ${K}), got ${label}`);
  if (loss === 'mse') {
    for (let k = 0; k < K; k++) out[k] = scale * (logits[k] - (k === label ? 1 : 0));
    return;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (logits[k] > max) max = logits[k];
  // Division by τ = 1 is exact, so τ = 1 gives the bits of the plain softmax (old checkpoints resume exactly).
  const z = (k: number) => (logits[k] - max) / temperature;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(z(k));
  for (let k = 0; k < K; k++) out[k] = scale * (Math.exp(z(k)) / sum - (k === label ? 1 : 0));
}

/**
 * The backward phase's starting current of one labelled example under a network's configuration: the
 * built-in loss (outputErrorCurrent), made zero-sum when `outputErrors` is 'zero-sum'. Both execution
 * paths call this.
 *
 * Why zero-sum: the softmax error sums to zero over the classes, but quantising each output alone does
 * not. Truncation drops the many small positive errors of the wrong classes (S·p_k < Θ_bp gives no
 * spike) and keeps most of the true class's negative one, so every example pushes all logits up. A
 * network without normalisation has nothing to stop that drift: the logits' common mode grows, the
 * upper layers' activity with it, until the softmax saturates and training breaks down (measured on
 * CIFAR-10 in docs/results/spikegrad.md). 'zero-sum' quantises the other classes' currents and gives
 * the true class exactly minus their sum, an integer number of Θ_bp, so the counts sum to zero and the
 * output errors no longer push all logits up together. A chip does this with one counter per example.
 */
export function labelErrorCurrent(cfg: Pick<SpikeGradConfig, 'errorScale' | 'loss' | 'temperature' | 'outputErrors' | 'thetaBp' | 'quantiser'>,
  logits: ArrayLike<number>, label: number, out: Float64Array): void {
  outputErrorCurrent(logits, label, cfg.errorScale, cfg.loss, out, cfg.temperature);
  if (cfg.outputErrors !== 'zero-sum') return;
  let sum = 0;
  for (let k = 0; k < out.length; k++) {
    if (k === label) continue;
    out[k] = cfg.thetaBp * errorCount(out[k], cfg.thetaBp, cfg.quantiser);
    sum += out[k];
  }
  out[label] = -sum;
}

/** Mean softmax cross-entropy CE(a/τ) of a batch of N × K logits (for monitoring only). */
export function meanCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, n: number, temperature = 1): number {
  const K = logits.length / n;
  let total = 0;
  for (let b = 0; b < n; b++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[b * K + k] / temperature);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits[b * K + k] / temperature - max);
    total += Math.log(sum) + max - logits[b * K + labels[b]] / temperature;
  }
  return total / n;
}
