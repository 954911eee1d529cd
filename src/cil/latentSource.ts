// One slot, two sources (methods-cil.md §4): latent replay and GBM both supply old-class samples in
// latent space to the classifier. A LatentSource stores or models the latents of each class once its
// task ends and hands back samples; the latent-replay strategy does not care which source it has, so
// the accuracy/memory comparison between stored latents and a generator needs no other change.
import type { Rng } from '../engine/random.js';
import { binaryCodec, float32Codec, type PolicyContext } from './buffer/index.js';
import { ReplayBuffer } from './strategies/replayBuffer.js';
import { gbmSource } from '../gbm/latentSource.js';

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

/** Stored latents in a bit-budgeted buffer (float32 or 1 bit per value). */
export function bufferSource(o: LatentSourceOptions): LatentSource {
  const codec = o.format === 'binary' ? binaryCodec(o.dim) : float32Codec(o.dim);
  const buf = new ReplayBuffer('latent-replay', codec, o.bits, o.numClasses, o.policy, o.classes);
  return {
    kind: 'buffer', memoryKind: 'buffer',
    addClasses: (latents, labels, ctx) => buf.policy.afterTask(buf.store, { values: latents, labels, n: labels.length, dim: o.dim }, ctx),
    size: () => buf.count,
    sample: (n, rng) => {
      const latents = new Float32Array(n * o.dim), labels = new Int32Array(n);
      for (let j = 0; j < n; j++) { const s = rng.int(buf.count); buf.store.read(s, latents, j * o.dim); labels[j] = buf.store.label(s); }
      return { latents, labels };
    },
    memoryBits: () => buf.memoryBits(),
    state: () => buf.state(),
    loadState: (s) => buf.loadState(s),
  };
}

/** Latent sources by name: stored latents, or GBM's per-class Bernoulli mixtures. */
export const LATENT_SOURCES: Record<string, (o: LatentSourceOptions) => LatentSource> = {
  buffer: bufferSource,
  gbm: (o) => gbmSource(o, o.config),
};

export function createLatentSource(name: string, o: LatentSourceOptions): LatentSource {
  const make = LATENT_SOURCES[name];
  if (!make) throw new RangeError(`unknown latent source '${name}' (known: ${Object.keys(LATENT_SOURCES).join(', ')})`);
  return make(o);
}
