// Frozen features, computed once: every method of the frozen-encoder protocol (docs/methods-cil.md §6)
// reads the base network's pooled features of every train and test image, so they are embedded
// once per (base, dataset split) and kept on disk beside the base cache. Reading them back checks
// the base key, the sample count, the feature size and the labels, so a stale file is an error,
// never a silent mismatch.
//
// File pair: features-<key>-<split>.json (header) and features-<key>-<split>.f32 (n × dim float32 LE).
import fs from 'node:fs';
import path from 'node:path';
import type { ImageDataset } from '../../data/dataset.js';
import { noGrad } from '../../engine/tensor.js';
import { tidy } from '../../engine/tidy.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import type { Learner } from '../learner.js';
import { toInput } from '../samples.js';

/** n feature vectors of `dim` floats with their class labels. */
export interface FeatureSet {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
  readonly dim: number;
}

interface Header { version: 1; key: string; split: string; n: number; dim: number; labelsSum: number }

const CHUNK = 500;

function labelsSum(y: Int32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s = (s * 31 + y[i] + 1) % 2147483647;
  return s;
}

/** The encoder outputs (float: the backbone's pooled features) of every image of `ds`. */
export function embedDataset(learner: Learner, ds: ImageDataset, onProgress?: (done: number, total: number) => void): FeatureSet {
  const n = ds.shape.n, pix = ds.shape.h * ds.shape.w * ds.shape.c, dim = learner.net.latentDim;
  const x = new Float32Array(n * dim);
  learner.net.eval();
  noGrad(() => {
    for (let o = 0; o < n; o += CHUNK) {
      const m = Math.min(CHUNK, n - o);
      tidy(() => { x.set(learner.net.latent(toInput(ds.images.subarray(o * pix, (o + m) * pix), m, pix)).f32, o * dim); });
      onProgress?.(o + m, n);
    }
  });
  return { x, y: Int32Array.from(ds.labels), n, dim };
}

/** Features of `ds` under the base `key`, read from `dir` or computed and written there. */
export function cachedFeatures(dir: string, key: string, split: string, learner: Learner, ds: ImageDataset, log: (s: string) => void = () => undefined): FeatureSet & { hit: boolean; ms: number } {
  const stem = path.join(dir, `features-${key}-${split}`);
  const hFile = `${stem}.json`, dFile = `${stem}.f32`;
  const y = Int32Array.from(ds.labels);
  if (fs.existsSync(hFile) && fs.existsSync(dFile)) {
    const h = JSON.parse(fs.readFileSync(hFile, 'utf8')) as Header;
    const expect = { version: 1, key, split, n: ds.shape.n, dim: learner.net.latentDim, labelsSum: labelsSum(y) };
    for (const k of Object.keys(expect) as (keyof Header)[]) {
      if (h[k] !== expect[k]) throw new TypeError(`${hFile}: ${k} is ${JSON.stringify(h[k])}, expected ${JSON.stringify(expect[k])} (stale feature cache: delete it)`);
    }
    const buf = fs.readFileSync(dFile);
    if (buf.length !== h.n * h.dim * 4) throw new TypeError(`${dFile}: ${buf.length} bytes, expected ${h.n * h.dim * 4} (n ${h.n} × dim ${h.dim} float32)`);
    const x = new Float32Array(h.n * h.dim);
    new Uint8Array(x.buffer).set(buf);
    return { x, y, n: h.n, dim: h.dim, hit: true, ms: 0 };
  }
  const t0 = performance.now();
  let last = 0;
  const f = embedDataset(learner, ds, (done, total) => {
    if (performance.now() - last > 30000 || done === total) { last = performance.now(); log(`  features ${split}: ${done}/${total}`); }
  });
  writeFileAtomic(dFile, new Uint8Array(f.x.buffer, f.x.byteOffset, f.x.byteLength));
  writeFileAtomic(hFile, JSON.stringify({ version: 1, key, split, n: f.n, dim: f.dim, labelsSum: labelsSum(y) } satisfies Header));
  return { ...f, hit: false, ms: Math.round(performance.now() - t0) };
}
