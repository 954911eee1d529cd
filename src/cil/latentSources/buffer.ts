// The 'buffer' latent source: latents stored in a bit-budgeted replay buffer (float32 or 1 bit per
// value), selected by any buffer policy; replay draws stored latents uniformly.
import { binaryCodec, float32Codec } from '../buffer/index.js';
import type { LatentSource, LatentSourceOptions } from '../latentSource.js';
import { ReplayBuffer } from '../strategies/replayBuffer.js';

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
