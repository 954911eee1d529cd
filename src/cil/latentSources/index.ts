// The latent sources by name: the one file that knows them all. Each source depends only on the
// contract in ../latentSource.ts, and the latent-replay strategy only on this registry, so adding a
// source is one file plus one line here, and no source imports the registry that lists it.
import { gbmSource } from '../../gbm/latentSource.js';
import type { LatentSource, LatentSourceOptions } from '../latentSource.js';
import { bufferSource } from './buffer.js';

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
