// Browser-safe part of the data layer: types, IDX/CIFAR record parsing, transforms, scenarios.
// Node file loaders, the cache and downloads are in ./node.ts.
export * from './dataset.js';
export { parseIdx, maybeGunzip, idxDataset, type IdxArray } from './idx.js';
export { readTar, type TarEntry } from './tar.js';
export { crc32 } from './crc32.js';
export * from './transforms.js';
export * from './thermometer.js';
export * from './augment.js';
export * from './scenario.js';
export { MT19937, numpyPermutation } from './numpyOrder.js';
export type { LoadOptions, LoadPlan } from './loader.js';
