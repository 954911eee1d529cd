// Every frozen-encoder method by name (docs/methods-cil.md §6): one file per method, one line here.
import type { FeatureMethodEntry } from '../method.js';
import { gbmFrozen, latentReplayFrozen } from './binaryReplay.js';
import { fecam } from './fecam.js';
import { fetril } from './fetril.js';
import { finetuneHead, jointHead } from './headOnly.js';
import { ncm } from './ncm.js';

export const FEATURE_METHODS: Record<string, FeatureMethodEntry<never>> = {
  gbm: gbmFrozen,
  'latent-replay': latentReplayFrozen,
  ncm,
  fetril,
  fecam,
  'finetune-head': finetuneHead,
  'joint-head': jointHead,
};

export const FEATURE_METHOD_NAMES = Object.keys(FEATURE_METHODS);

export function featureMethodEntry(name: string): FeatureMethodEntry<Record<string, unknown>> {
  const e = FEATURE_METHODS[name];
  if (!e) throw new RangeError(`unknown frozen-encoder method '${name}' (known: ${FEATURE_METHOD_NAMES.join(', ')})`);
  return e as unknown as FeatureMethodEntry<Record<string, unknown>>;
}
