// Output error injection (docs/methods-snn.md §6): after the forward phase the output integrators hold the
// logits a; the backward phase starts with U = S·∂L/∂a on each output neuron. Both execution paths
// call this one float64 routine on bitwise-equal logits, so they inject bitwise-equal currents.

export type OutputLoss = 'ce' | 'mse';

/**
 * Any per-output error (docs/methods-snn.md §6): writes the backward phase's starting current
 * U = S·∂L/∂a of one example into `out` from that example's logits. A relational network's masked
 * MSE or 2-way cross-entropy is one of these; both execution paths call it on bitwise-equal logits.
 */
export type OutputErrorFn = (logits: Float64Array, out: Float64Array) => void;

/** What the backward phase of one example starts from: a class label (the built-in loss), any error function, or null (forward only). */
export type BackwardTarget = number | OutputErrorFn | null;

/** The error function of a class label under the network's built-in loss. */
export function labelError(label: number, scale: number, loss: OutputLoss): OutputErrorFn {
  return (logits, out) => outputErrorCurrent(logits, label, scale, loss, out);
}

/**
 * Writes S·∂L/∂a for one example into `out`: softmax cross-entropy e = softmax(a) − onehot(y), or
 * MSE against the one-hot target e = a − onehot(y).
 */
export function outputErrorCurrent(logits: ArrayLike<number>, label: number, scale: number, loss: OutputLoss, out: Float64Array): void {
  const K = logits.length;
  if (!Number.isInteger(label) || label < 0 || label >= K) throw new RangeError(`outputErrorCurrent: label must be an integer in [0, ${K}), got ${label}`);
  if (loss === 'mse') {
    for (let k = 0; k < K; k++) out[k] = scale * (logits[k] - (k === label ? 1 : 0));
    return;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (logits[k] > max) max = logits[k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(logits[k] - max);
  for (let k = 0; k < K; k++) out[k] = scale * (Math.exp(logits[k] - max) / sum - (k === label ? 1 : 0));
}
