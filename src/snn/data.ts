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

/** The last `validation` training images for validation, the rest for training (MNIST: 50k / 10k). */
export function trainValidationSplit(train: ImageDataset, validation: number): { train: Batchable; validation: Batchable } {
  const n = train.shape.n;
  if (!(Number.isInteger(validation) && validation >= 0 && validation < n)) throw new RangeError(`trainValidationSplit: validation size must be an integer in [0, ${n}), got ${validation}`);
  return { train: toBatchable(train, 0, n - validation), validation: toBatchable(train, n - validation, n) };
}
