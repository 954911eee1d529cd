// Node-only part of the data layer: loading from disk, the decoded cache, downloads.
export * from './index.js';
export * from './registry.js';
export { resolveDataDir, resolveCacheDir } from './paths.js';
export { cachedLoad, encodeCache, decodeCache, fingerprint, CACHE_MAGIC, CACHE_VERSION, type CacheStatus, type CachedLoadResult } from './cache.js';
export { downloadDataset, type DownloadOptions, type FileResult } from './download.js';
export { extractTarGz, extractZip } from './extract.js';
export { REMOTE, type RemoteDataset, type RemoteFile } from './sources.js';
export { planIdxDataset, mnistNpmDir, MNIST_CLASSES, FASHION_MNIST_CLASSES } from './mnist.js';
export { planCifar, parseCifarRecords, CIFAR10_CLASSES, CIFAR_LAYOUT } from './cifar.js';
export { planImageFolder, decodeAll, listImages } from './imageFolder.js';
export { decodeImage, type DecodedImage } from './image.js';
export { planTinyImageNet } from './tinyImageNet.js';
export * from './core50.js';
