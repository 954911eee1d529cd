// One slot, two sources (docs/methods-cil.md §4): latent replay and GBM both supply old-class samples in
// latent space to the classifier. A LatentSource stores or models the latents of each class once its
// task ends and hands back samples; the latent-replay strategy does not care which source it has, so
// the accuracy/memory comparison between stored latents and a generator needs no other change.
// This file is the contract only; the sources are registered by name in ./latentSources/index.ts.
import type { Rng } from '../engine/random.js';
import type { PolicyContext } from './buffer/policy.js';

export interface LatentBatch {
  /** n × dim values (±1 for binary latents). */
  readonly latents: Float32Array;
  readonly labels: Int32Array;
}

export interface LatentSource {
  readonly kind: string;
  /** Counted as buffer bits (stored samples) or generator bits (model parameters). */
  readonly memoryKind: 'buffer' | 'generator';
  /** Latents (n × dim) of newly finished classes. */
  addClasses(latents: Float32Array, labels: Int32Array, ctx: PolicyContext): void;
  /** Samples available (0: nothing to replay yet). */
  size(): number;
  sample(n: number, rng: Rng): LatentBatch;
  memoryBits(): number;
  state(): unknown;
  loadState(s: unknown): void;
}

export interface LatentSourceOptions {
  dim: number;
  /** Source-specific settings (e.g. GBM's components and precision), validated by the strategy's schema. */
  config?: Record<string, unknown>;
  format: 'float' | 'binary';
  /** Planned bits for the source (null: no budget set). */
  bits: number | null;
  numClasses: number;
  /** Classes the source must serve (a buffer needs one slot per class at least); default numClasses. */
  classes?: number;
  policy: string;
}
