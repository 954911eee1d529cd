// Image datasets as SpikeGrad inputs: uint8 NHWC images from the data layer become float NCHW rows in
// [0, 1] (the analog input currents before the gain G). The MNIST protocol of the paper splits the
// official training set into 50 000 training and 10 000 validation images.
import type { ImageDataset } from '../data/dataset.js';
import type { Batchable } from './train.js';

export function toBatchable(ds: ImageDataset, from = 0, to = ds.shape.n): Batchable {
  const { h, w, c } = ds.shape;
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= ds.shape.n)) {
    throw new RangeError(`toBatchable: range [${from}, ${to}) is outside ${ds.name}/${ds.split} (${ds.shape.n} images)`);
  }
  const n = to - from, size = h * w * c;
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const src = (from + i) * size, dst = i * size;
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
      x[dst + (ch * h + y) * w + xx] = ds.images[src + (y * w + xx) * c + ch] / 255;
    }
  }
  return { x, labels: ds.labels.slice(from, to), n };
}

/** Rows `idx` of a Batchable (copies). */
function pick(b: Batchable, idx: readonly number[]): Batchable {
  const size = b.x.length / b.n;
  const x = new Float32Array(idx.length * size);
  idx.forEach((i, j) => x.set(b.x.subarray(i * size, (i + 1) * size), j * size));
  return { x, labels: Int32Array.from(idx, (i) => b.labels[i]), n: idx.length };
}

/**
 * Holds out `validation` training images. In the official MNIST order (classes interleaved) that is
 * the last `validation` images (the paper's 50k / 10k). A class-grouped copy — an image folder such as
 * the CIFAR-10 JPEG set, whose files come class by class — would lose whole classes that way, so there
 * the last ⌊validation / classes⌋ images of every class are held out instead.
 */
export function trainValidationSplit(train: ImageDataset, validation: number): { train: Batchable; validation: Batchable } {
  const n = train.shape.n;
  if (!(Number.isInteger(validation) && validation >= 0 && validation < n)) throw new RangeError(`trainValidationSplit: validation size must be an integer in [0, ${n}), got ${validation}`);
  const labels = train.labels;
  let grouped = true;
  for (let i = 1; i < n && grouped; i++) if (labels[i] < labels[i - 1]) grouped = false;
  if (!grouped || validation === 0) return { train: toBatchable(train, 0, n - validation), validation: toBatchable(train, n - validation, n) };
  const all = toBatchable(train);
  const classes = [...new Set(labels)];
  const per = Math.floor(validation / classes.length);
  const held: number[] = [], kept: number[] = [];
  for (const c of classes) {
    const idx = [...labels.keys()].filter((i) => labels[i] === c);
    kept.push(...idx.slice(0, idx.length - per));
    held.push(...idx.slice(idx.length - per));
  }
  return { train: pick(all, kept), validation: pick(all, held) };
}
