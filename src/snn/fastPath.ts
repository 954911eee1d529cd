// The ANN-equivalent fast path (docs/methods-snn.md §8.1): the accumulated counts of the spiking network
// computed directly, batched, with the engine's sgemm / conv / max-pool kernels instead of one event
// at a time. By the forward equivalence theorem c = ⌊relu(I)/Θ_ff⌋, and by the corrected error rule
// E = trunc(g ⊙ Wᵀ E⁺ / Θ_bp); the weight change is −η·E ⊗ c. Counts are integers held exactly in
// float32 (|count| < 2²⁴) so the kernels can consume them.
import { getKernels } from '../engine/kernels/index.js';
import { errorCount, forwardCount } from './ifNeuron.js';
import type { SpikeGradNetwork } from './network.js';
import { labelErrorCurrent, type OutputErrorFn } from './outputError.js';
import { FRESH_ARRAYS, type StepArrays } from './stepArrays.js';

export interface FastForward {
  readonly n: number;
  /** Presynaptic trace of layer 1: G·x (analog input) or ⌊G·x⌋ (rate-coded input), N × inputSize. */
  readonly input: Float32Array;
  /** Per layer, N × size: spike counts c (IF and pool layers) or the logits (output layer). */
  readonly counts: readonly Float32Array[];
  /** Per spiking conv/dense layer the backward gate (1 = open); null for pool and output layers. */
  readonly gates: readonly (Uint8Array | null)[];
  /** Per pool layer the flat index (into the pooled layer's N·size counts) of each window's maximum. */
  readonly argmax: readonly (Int32Array | null)[];
  readonly logits: Float32Array;
}

export interface FastBackward {
  /** Per layer, N × size: error counts E (null for pool layers). */
  readonly errors: readonly (Float32Array | null)[];
  /** Per weight tensor: Σ over the batch of E ⊗ c (the update is −η times this). */
  readonly rawGradients: readonly Float32Array[];
}

/** Layer-1 presynaptic trace from pixels in [0, 1] (or any non-negative values), N × inputSize. */
export function inputTrace(net: SpikeGradNetwork, x: Float32Array, arrays: StepArrays = FRESH_ARRAYS): Float32Array {
  const G = net.config.gain, out = arrays.f32('input', x.length);
  if (net.config.input === 'rate') for (let i = 0; i < x.length; i++) out[i] = forwardCount(G * x[i], 1);
  else for (let i = 0; i < x.length; i++) out[i] = G * x[i];
  return out;
}

function checkBatch(net: SpikeGradNetwork, x: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`SpikeGrad fast path: batch size must be a positive integer, got ${n}`);
  if (x.length !== n * net.inputSize) throw new RangeError(`SpikeGrad fast path: input has ${x.length} values, expected ${n} × ${net.inputSize}`);
}

/**
 * The forward pass. `arrays` (default: fresh arrays) supplies every array the result holds; a
 * training loop passes its own StepArrays so that no step allocates.
 */
export function fastForward(net: SpikeGradNetwork, x: Float32Array, n: number, arrays: StepArrays = FRESH_ARRAYS): FastForward {
  checkBatch(net, x, n);
  const k = getKernels();
  const { thetaFf, gate } = net.config;
  const input = inputTrace(net, x, arrays);
  const counts: Float32Array[] = [], gates: (Uint8Array | null)[] = [], argmax: (Int32Array | null)[] = [];
  let act = input;
  for (const [li, layer] of net.layers.entries()) {
    const y = arrays.f32(`counts ${li}`, n * layer.size);
    if (layer.pool) {
      const am = arrays.i32(`argmax ${li}`, y.length);
      k.maxPool2d({ ...layer.pool, N: n }, act, y, am);
      counts.push(y); gates.push(null); argmax.push(am);
      act = y;
      continue;
    }
    const w = net.weights[layer.weightIndex].f32;
    if (layer.conv) k.conv2d({ ...layer.conv, N: n }, act, w, y);
    else k.sgemm(false, true, n, layer.size, act.length / n, act, w, y, false);
    argmax.push(null);
    if (layer.isOutput) {
      counts.push(y); gates.push(null);
      break;
    }
    // y holds the total input I; the kernel turns it into counts in place (c = forwardCount(I, Θ_ff))
    // and writes the backward gate.
    const g = arrays.u8(`gate ${li}`, y.length);
    k.spikeCounts(y, g, thetaFf, gate === 'input');
    counts.push(y); gates.push(g);
    act = y;
  }
  return { n, input, counts, gates, argmax, logits: counts[counts.length - 1] };
}

/** Error counts of the output layer: E^L = q(S·∂L/∂a), N × K. */
export function outputErrors(net: SpikeGradNetwork, logits: Float32Array, labels: ArrayLike<number>, n: number): Float32Array {
  const K = net.numClasses, { thetaBp, quantiser } = net.config;
  if (labels.length !== n) throw new RangeError(`SpikeGrad: expected ${n} labels, got ${labels.length}`);
  const E = new Float32Array(n * K), cur = new Float64Array(K);
  for (let b = 0; b < n; b++) {
    labelErrorCurrent(net.config, logits.subarray(b * K, (b + 1) * K), labels[b], cur);
    for (let i = 0; i < K; i++) E[b * K + i] = errorCount(cur[i], thetaBp, quantiser);
  }
  return E;
}

/**
 * Error counts of the output layer from any per-example error function (masked MSE, 2-way CE, …):
 * E^L = q(errors[b](a_b)), N × K. The logits are handed over as float64 (an exact copy of the float32
 * logits), as the event-driven simulator hands over its own, so both paths quantise equal currents.
 */
export function outputErrorsFrom(net: SpikeGradNetwork, logits: Float32Array, errors: readonly OutputErrorFn[], n: number): Float32Array {
  const K = net.numClasses, { thetaBp, quantiser } = net.config;
  if (errors.length !== n) throw new RangeError(`SpikeGrad: expected ${n} error functions, got ${errors.length}`);
  const E = new Float32Array(n * K), cur = new Float64Array(K);
  for (let b = 0; b < n; b++) {
    cur.fill(0);
    errors[b](Float64Array.from(logits.subarray(b * K, (b + 1) * K)), cur);
    for (let i = 0; i < K; i++) E[b * K + i] = errorCount(cur[i], thetaBp, quantiser);
  }
  return E;
}

export function fastBackward(net: SpikeGradNetwork, fwd: FastForward, labels: ArrayLike<number>, arrays: StepArrays = FRESH_ARRAYS): FastBackward {
  return fastBackwardFrom(net, fwd, outputErrors(net, fwd.logits, labels, fwd.n), arrays);
}

/**
 * The backward phase from given output error counts E^L (N × outputs): for losses other than the
 * built-in ones (e.g. the relational network's masked MSE on one population).
 */
export function fastBackwardFrom(net: SpikeGradNetwork, fwd: FastForward, outputErrorCounts: Float32Array, arrays: StepArrays = FRESH_ARRAYS): FastBackward {
  const k = getKernels();
  const { n } = fwd;
  const { thetaBp, quantiser } = net.config;
  const L = net.layers.length;
  if (outputErrorCounts.length !== n * net.numClasses) {
    throw new RangeError(`SpikeGrad fast path: ${outputErrorCounts.length} output error counts, expected ${n} × ${net.numClasses}`);
  }
  const errors: (Float32Array | null)[] = new Array(L).fill(null);
  const rawGradients = net.weights.map((w, i) => arrays.f32(`gradient ${i}`, w.size));
  let li = L - 1;
  let E = outputErrorCounts;
  errors[li] = E;
  for (;;) {
    const layer = net.layers[li];
    const w = net.weights[layer.weightIndex].f32;
    const act = li === 0 ? fwd.input : fwd.counts[li - 1];
    const dW = rawGradients[layer.weightIndex];
    const nIn = act.length / n;
    if (layer.conv) k.conv2dBackwardFilter({ ...layer.conv, N: n }, act, E, dW);
    else k.sgemm(true, false, layer.size, nIn, n, E, act, dW, false);
    if (li === 0) break;
    // Errors travel back through the same synapses: Y = Wᵀ E.
    let Y = arrays.f32(`error input ${li}`, n * nIn);
    if (layer.conv) k.conv2dBackwardInput({ ...layer.conv, N: n }, E, w, Y);
    else k.sgemm(false, false, n, nIn, layer.size, E, w, Y, false);
    let j = li - 1;
    const below = net.layers[j];
    if (below.pool) {
      // A pool unit routes what it receives to the input that won its window.
      const routed = arrays.f32(`routed ${li}`, n * below.inShape[0] * below.inShape[1] * below.inShape[2]);
      k.maxPool2dBackward({ ...below.pool, N: n }, Y, fwd.argmax[j] as Int32Array, routed);
      Y = routed;
      j--;
    }
    const gate = fwd.gates[j] as Uint8Array;
    const Ej = arrays.f32(`errors ${j}`, Y.length);
    k.errorCounts(Y, gate, Ej, thetaBp, quantiser === 'round'); // errorCount(Y, Θ_bp, quantiser) where the gate is open
    errors[j] = Ej;
    E = Ej;
    li = j;
  }
  return { errors, rawGradients };
}

/** Index of the first maximal logit of each example. */
export function predict(logits: Float32Array, n: number): Int32Array {
  const K = logits.length / n, out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let best = 0;
    for (let i = 1; i < K; i++) if (logits[b * K + i] > logits[b * K + best]) best = i;
    out[b] = best;
  }
  return out;
}
