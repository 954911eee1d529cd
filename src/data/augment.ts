// Seeded augmentation pipeline: a list of per-image steps applied to a batch drawn by index.
// Same seed + same indices ⇒ the same augmented batch, so training runs replay. Pure.
import type { Rng } from '../engine/random.js';
import type { ImageShape } from './dataset.js';
import { hflip, randomCrop } from './transforms.js';

export type AugmentStep =
  | { kind: 'crop'; pad: number }
  | { kind: 'flip'; p?: number };

/** Parses 'crop:4,flip' (or 'crop:4,flip:0.5', 'none') into steps. */
export function parseAugment(spec: string): AugmentStep[] {
  if (spec.trim() === '' || spec === 'none') return [];
  return spec.split(',').map((part) => {
    const [k, v] = part.trim().split(':');
    if (k === 'crop') {
      const pad = Number(v ?? 4);
      if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`augment: crop padding must be a non-negative integer, got '${v}'`);
      return { kind: 'crop', pad };
    }
    if (k === 'flip') {
      const p = v === undefined ? 0.5 : Number(v);
      if (!(p >= 0 && p <= 1)) throw new RangeError(`augment: flip probability must be in [0, 1], got '${v}'`);
      return { kind: 'flip', p };
    }
    throw new RangeError(`augment: unknown step '${k}' (known: crop[:pad], flip[:p])`);
  });
}

/**
 * Copies the images at `indices` into a new N×H×W×C buffer, applying `steps` to each in order;
 * random draws come from `rng` image by image, so the result depends only on the seed and indices.
 */
export function augmentBatch(images: Uint8Array, shape: ImageShape, indices: ArrayLike<number>, steps: readonly AugmentStep[], rng: Rng): Uint8Array {
  const { h, w, c } = shape;
  const size = h * w * c;
  const out = new Uint8Array(indices.length * size);
  let tmp = new Uint8Array(size), cur = new Uint8Array(size);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!(i >= 0 && i < shape.n)) throw new RangeError(`augmentBatch: index ${i} outside [0, ${shape.n})`);
    cur.set(images.subarray(i * size, (i + 1) * size));
    for (const s of steps) {
      if (s.kind === 'crop') {
        if (s.pad === 0) continue;
        randomCrop(cur, h, w, c, s.pad, rng, tmp);
      } else {
        if (!rng.bernoulli(s.p ?? 0.5)) continue;
        hflip(cur, h, w, c, tmp);
      }
      [cur, tmp] = [tmp, cur];
    }
    out.set(cur, j * size);
  }
  return out;
}
