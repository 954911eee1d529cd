// The unit of data a class-incremental learner sees: images as uint8 pixels (what a device keeps and
// what native replay stores) with their original labels. Conversion to network input happens in one
// place (toInput) so every path — training, replay, evaluation — feeds the model identically.
import { Tensor } from '../engine/tensor.js';
import type { ImageDataset } from '../data/dataset.js';

export interface Samples {
  /** n × dim uint8 pixels (the dataset's NHWC order, flattened per sample). */
  readonly x: Uint8Array;
  /** Original class labels (dataset ids), one per sample. */
  readonly y: Int32Array;
  readonly n: number;
  /** Values per sample (h·w·c). */
  readonly dim: number;
}

export function makeSamples(x: Uint8Array, y: Int32Array, dim: number): Samples {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`samples: dim must be an integer ≥ 1, got ${dim}`);
  if (x.length !== y.length * dim) throw new RangeError(`samples: ${x.length} pixel values for ${y.length} labels of ${dim} values each (expected ${y.length * dim})`);
  return { x, y, n: y.length, dim };
}

/** The images of `ds` at `indices` (e.g. a scenario task's train or test view). */
export function samplesAt(ds: ImageDataset, indices: ArrayLike<number>): Samples {
  const dim = ds.shape.h * ds.shape.w * ds.shape.c;
  const x = new Uint8Array(indices.length * dim);
  const y = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    x.set(ds.images.subarray(i * dim, (i + 1) * dim), j * dim);
    y[j] = ds.labels[i];
  }
  return makeSamples(x, y, dim);
}

export function pick(s: Samples, indices: ArrayLike<number>): Samples {
  const x = new Uint8Array(indices.length * s.dim);
  const y = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    x.set(s.x.subarray(i * s.dim, (i + 1) * s.dim), j * s.dim);
    y[j] = s.y[i];
  }
  return makeSamples(x, y, s.dim);
}

export function concatSamples(parts: readonly Samples[]): Samples {
  const nonEmpty = parts.filter((p) => p.n > 0);
  if (nonEmpty.length === 0) return parts[0] ?? makeSamples(new Uint8Array(0), new Int32Array(0), 1);
  const dim = nonEmpty[0].dim;
  if (nonEmpty.some((p) => p.dim !== dim)) throw new RangeError(`concatSamples: parts have different sample sizes (${nonEmpty.map((p) => p.dim).join(', ')})`);
  const n = nonEmpty.reduce((s, p) => s + p.n, 0);
  const x = new Uint8Array(n * dim);
  const y = new Int32Array(n);
  let o = 0;
  for (const p of nonEmpty) { x.set(p.x, o * dim); y.set(p.y, o); o += p.n; }
  return makeSamples(x, y, dim);
}

/** Network input: pixels / 255 as a float32 [n, dim] tensor (models reshape as they need). */
export function toInput(x: Uint8Array, n: number, dim: number): Tensor {
  const f = new Float32Array(n * dim);
  for (let i = 0; i < f.length; i++) f[i] = x[i] / 255;
  return new Tensor(f, [n, dim]);
}

/** The first `perClass` samples of every class, in dataset order (deterministic; no rng). */
export function firstPerClass(labels: Int32Array, perClass: number): Int32Array {
  const count = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = count.get(labels[i]) ?? 0;
    if (c < perClass) { out.push(i); count.set(labels[i], c + 1); }
  }
  return Int32Array.from(out);
}
