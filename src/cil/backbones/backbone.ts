// What CilNet needs from an architecture: an encoder from flat pixel rows to the latent (the point
// where latent replay stores and GBM models embeddings), a trunk from the latent to the features the
// head reads, a growing head, and the deployed bit count of everything but the head.
import type { Module } from '../../nn/module.js';
import type { GrowableHead } from './head.js';

export interface Backbone {
  /** [N, inputDim] pixels/255 → [N, latentDim]. */
  readonly encoder: Module;
  readonly latentDim: number;
  /** The encoder's output is ±1 (a sign, binarizer or binary layer): storable at 1 bit per value. */
  readonly binaryLatent: boolean;
  /** [N, latentDim] → [N, featureDim]. */
  readonly trunk: Module;
  readonly featureDim: number;
  readonly head: GrowableHead;
  /** Deployed bits of encoder + trunk (weights, biases, normalisation statistics at their stored widths). */
  bodyBits(): number;
  /** Deployed bits of the encoder alone (default: float32Bits(encoder)). */
  encoderBits?(): number;
  /** One line for logs and reports. */
  describe(): string;
}

/** Bits of every parameter and buffer of `m` at 32 bits each. */
export function float32Bits(m: Module): number {
  return 32 * (m.parameterCount() + m.namedBuffers().reduce((s, [, b]) => s + b.length, 0));
}
