// Training-image augmentation for SpikeGrad (docs/methods-snn.md §11): random translations with zero
// fill — ±2 pixels for MNIST-like digits, and CIFAR's random crop of a 4-pixel zero-padded image
// (the same as a translation by up to ±4) with a horizontal flip half of the time. Drawn from the
// trainer's seeded Rng, so a resumed run sees the same augmented images.
import type { Rng } from '../engine/random.js';
import type { MapShape } from './network.js';

export type Augment = 'none' | 'shift2' | 'crop4-flip';

export const AUGMENTS: readonly Augment[] = ['none', 'shift2', 'crop4-flip'];

/** dst = src (one C×H×W image) moved by (dy, dx) pixels, zero where nothing moves in, mirrored left–right first when `flip`. */
export function translateImage(src: ArrayLike<number>, dst: Float32Array, shape: MapShape, dy: number, dx: number, flip: boolean): void {
  const [C, H, W] = shape;
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) {
    const sy = y - dy, row = (c * H + y) * W;
    for (let x = 0; x < W; x++) {
      const sx0 = x - dx, sx = flip ? W - 1 - sx0 : sx0;
      dst[row + x] = sy >= 0 && sy < H && sx0 >= 0 && sx0 < W ? src[(c * H + sy) * W + sx] : 0;
    }
  }
}

/** A random augmentation of one image into dst; 'none' copies and draws nothing. */
export function augmentImage(src: Float32Array, dst: Float32Array, shape: MapShape, kind: Augment, rng: Rng): void {
  if (kind === 'none') { dst.set(src); return; }
  const r = kind === 'shift2' ? 2 : 4;
  const dy = rng.int(2 * r + 1) - r, dx = rng.int(2 * r + 1) - r;
  translateImage(src, dst, shape, dy, dx, kind === 'crop4-flip' && rng.bernoulli(0.5));
}
