import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { channelStats, cropPadded, hflip, normalize, randomCrop, resizeBilinear, resizeDataset } from '../../src/data/transforms.js';
import { thermometerEncode, thermometerThresholds } from '../../src/data/thermometer.js';
import { augmentBatch, parseAugment } from '../../src/data/augment.js';
import { subset, type ImageDataset } from '../../src/data/dataset.js';
import { randomBytes } from './fixtures.js';

test('resizeBilinear: identity, constant images, known 2×2→4×4 and 4→2 averages', () => {
  const src = randomBytes(5 * 7 * 3, 1);
  assert.deepEqual(resizeBilinear(src, 5, 7, 3, 5, 7), src);
  assert.ok(resizeBilinear(new Uint8Array(128 * 128 * 3).fill(77), 128, 128, 3, 32, 32).every((v) => v === 77));
  // Half-pixel centres: 2×2 [0 100; 200 100] up to 4×4, first row = 0, 25, 75, 100.
  const up = resizeBilinear(Uint8Array.from([0, 100, 200, 100]), 2, 2, 1, 4, 4);
  assert.deepEqual(Array.from(up.subarray(0, 4)), [0, 25, 75, 100]);
  assert.deepEqual(Array.from(up.subarray(12, 16)), [200, 175, 125, 100]);
  // Exact 2× downscale samples between pixel pairs: the mean of each 2×2 block.
  const down = resizeBilinear(Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]), 4, 4, 1, 2, 2);
  assert.deepEqual(Array.from(down), [25, 45, 105, 125]);
  const ds: ImageDataset = { name: 'x', split: 's', images: new Uint8Array(2 * 8 * 8 * 3).fill(9), labels: new Int32Array(2), shape: { n: 2, h: 8, w: 8, c: 3 }, classNames: ['a'] };
  assert.deepEqual(resizeDataset(ds, 4).shape, { n: 2, h: 4, w: 4, c: 3 });
});

test('hflip is an involution that mirrors columns; cropPadded with zero pad/offset is the identity', () => {
  const src = randomBytes(4 * 6 * 3, 2);
  const f = hflip(src, 4, 6, 3);
  assert.deepEqual(Array.from(f.subarray(0, 3)), Array.from(src.subarray(15, 18)));
  assert.deepEqual(hflip(f, 4, 6, 3), src);
  assert.deepEqual(cropPadded(src, 4, 6, 3, 0, 0, 0), src);
  assert.deepEqual(cropPadded(src, 4, 6, 3, 2, 2, 2), src); // centred window of the padded image
  // Offset (0,0) with pad 1 shifts content right/down by one, zero-filling the first row and column.
  const s = cropPadded(Uint8Array.from([1, 2, 3, 4]), 2, 2, 1, 1, 0, 0);
  assert.deepEqual(Array.from(s), [0, 0, 0, 1]);
  const r1 = randomCrop(src, 4, 6, 3, 4, new Rng(5)), r2 = randomCrop(src, 4, 6, 3, 4, new Rng(5));
  assert.deepEqual(r1, r2);
});

test('normalize produces NCHW floats (x/255 − mean)/std; channelStats inverts it', () => {
  // One 1×2 RGB image: pixels (255,0,51) and (0,255,102).
  const images = Uint8Array.from([255, 0, 51, 0, 255, 102]);
  const shape = { n: 1, h: 1, w: 2, c: 3 };
  const out = normalize(images, shape, { mean: [0.5, 0.5, 0], std: [0.5, 0.5, 1] });
  assert.deepEqual(Array.from(out).map((v) => Math.round(v * 1000) / 1000), [1, -1, -1, 1, 0.2, 0.4]);
  const big = randomBytes(50 * 4 * 4 * 3, 3);
  const bshape = { n: 50, h: 4, w: 4, c: 3 };
  const st = channelStats(big, bshape);
  const z = normalize(big, bshape, st);
  for (let k = 0; k < 3; k++) {
    let s = 0, q = 0;
    for (let i = 0; i < 50; i++) for (let p = 0; p < 16; p++) { const v = z[i * 48 + k * 16 + p]; s += v; q += v * v; }
    assert.ok(Math.abs(s / 800) < 1e-4 && Math.abs(q / 800 - 1) < 1e-3, `channel ${k}: mean ${s / 800}, var ${q / 800}`);
  }
  assert.throws(() => normalize(big, bshape, { mean: [0], std: [1] }), /need 3 means/);
  assert.equal(normalize(big, bshape, st, [3, 7]).length, 2 * 48);
});

test('thermometer: thresholds, monotone unary code, channel-major plane layout', () => {
  assert.deepEqual(Array.from(thermometerThresholds(3)), [64, 128, 192]);
  assert.throws(() => thermometerThresholds(0), /levels must be an integer in \[1, 255\]/);
  // One grey 1×3 image: pixels 0, 255 and 130.
  const enc = thermometerEncode(Uint8Array.from([0, 255, 130]), { n: 1, h: 1, w: 3, c: 1 }, 3);
  // Layout N × (C·L) × H × W: plane k holds [p0, p1, p2].
  assert.deepEqual(Array.from(enc), [0, 1, 1, 0, 1, 1, 0, 1, 0]);
  const rgb = thermometerEncode(Uint8Array.from([200, 10, 100]), { n: 1, h: 1, w: 1, c: 3 }, 4);
  assert.equal(rgb.length, 12);
  // thresholds 51, 102, 153, 204: 200 → 3 planes, 10 → none, 100 → 1.
  assert.deepEqual(Array.from(rgb), [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
});

test('augmentation pipeline is seeded: same seed same batch, different seed differs, flip:1 flips', () => {
  const shape = { n: 8, h: 6, w: 6, c: 3 };
  const images = randomBytes(8 * 108, 4);
  const steps = parseAugment('crop:2,flip');
  const a = augmentBatch(images, shape, [0, 3, 5], steps, new Rng(1));
  const b = augmentBatch(images, shape, [0, 3, 5], steps, new Rng(1));
  const c = augmentBatch(images, shape, [0, 3, 5], steps, new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const flipped = augmentBatch(images, shape, [2], parseAugment('flip:1'), new Rng(0));
  assert.deepEqual(flipped, hflip(images.subarray(216, 324), 6, 6, 3));
  assert.deepEqual(augmentBatch(images, shape, [1], parseAugment('none'), new Rng(0)), images.subarray(108, 216));
  assert.throws(() => parseAugment('rotate:5'), /unknown step 'rotate'/);
  assert.throws(() => augmentBatch(images, shape, [8], [], new Rng(0)), /index 8 outside/);
});

test('subset copies the selected images and per-image fields', () => {
  const ds: ImageDataset = { name: 'x', split: 'train', images: Uint8Array.from([1, 2, 3, 4]), labels: Int32Array.from([0, 1, 0, 1]), shape: { n: 4, h: 1, w: 1, c: 1 }, classNames: ['a', 'b'], sessions: Int32Array.from([5, 6, 7, 8]) };
  const s = subset(ds, [3, 0]);
  assert.deepEqual(Array.from(s.images), [4, 1]);
  assert.deepEqual(Array.from(s.sessions!), [8, 5]);
  assert.equal(s.shape.n, 2);
});
