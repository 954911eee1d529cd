// The MNIST subset bundled with the app (web/scripts/mnist-subset.mjs writes it at build time):
// gzipped IDX files fetched from the static data folder and parsed with the library's browser-safe
// IDX reader.
import { maybeGunzip, parseIdx } from '../../src/data/idx.js';
import { IMAGE_DIM } from './protocol.js';

export interface Split {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  perClass: number;
}

export interface BundledMnist {
  classNames: string[];
  train: Split;
  test: Split;
}

interface Manifest {
  classNames: string[];
  splits: Record<'train' | 'test', { perClass: number; n: number; images: string; labels: string }>;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} (the bundled MNIST subset is missing; run node web/scripts/mnist-subset.mjs)`);
  return new Uint8Array(await r.arrayBuffer());
}

async function loadSplit(base: string, m: Manifest['splits']['train']): Promise<Split> {
  const [img, lab] = await Promise.all([fetchBytes(base + m.images), fetchBytes(base + m.labels)]);
  const images = parseIdx(maybeGunzip(img, m.images), m.images, 3);
  const labels = parseIdx(maybeGunzip(lab, m.labels), m.labels, 1);
  if (images.dims[1] * images.dims[2] !== IMAGE_DIM) throw new Error(`${m.images}: images are ${images.dims.slice(1).join('×')}, expected 28×28`);
  if (images.dims[0] !== labels.dims[0] || images.dims[0] !== m.n) throw new Error(`${m.images}: ${images.dims[0]} images, ${labels.dims[0]} labels, manifest says ${m.n}`);
  return { images: images.data, labels: Int32Array.from(labels.data), n: m.n, perClass: m.perClass };
}

export async function loadBundledMnist(base: string): Promise<BundledMnist> {
  const r = await fetch(`${base}manifest.json`);
  if (!r.ok) throw new Error(`${base}manifest.json: HTTP ${r.status} (run node web/scripts/mnist-subset.mjs)`);
  const m = (await r.json()) as Manifest;
  const [train, test] = await Promise.all([loadSplit(base, m.splits.train), loadSplit(base, m.splits.test)]);
  return { classNames: m.classNames, train, test };
}

/** Indices of the first `perClass` images of each class in `classes`, in dataset order. */
export function indicesOf(split: Split, classes: readonly number[], perClass = Infinity): Int32Array {
  const want = new Set(classes);
  const count = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < split.n; i++) {
    const c = split.labels[i];
    if (!want.has(c)) continue;
    const k = count.get(c) ?? 0;
    if (k < perClass) { out.push(i); count.set(c, k + 1); }
  }
  return Int32Array.from(out);
}
