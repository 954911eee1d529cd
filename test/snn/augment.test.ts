// Training-image augmentation: translations with zero fill and the horizontal flip, checked on a
// hand-written 1×3×4 image; 'none' copies and draws no random numbers; the random kinds stay in range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { augmentImage, translateImage } from '../../src/snn/augment.js';

const IMG = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // rows (1 2 3 4) (5 6 7 8) (9 10 11 12)

test('translations fill with zeros; the flip mirrors each row first', () => {
  const out = new Float32Array(12);
  translateImage(IMG, out, [1, 3, 4], 1, -1, false);
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0]);
  translateImage(IMG, out, [1, 3, 4], 0, 0, true);
  assert.deepEqual(Array.from(out), [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9]);
  translateImage(IMG, out, [1, 3, 4], -1, 2, true);
  assert.deepEqual(Array.from(out), [0, 0, 8, 7, 0, 0, 12, 11, 0, 0, 0, 0]);
});

test("augmentImage: 'none' copies without drawing; shift2 and crop4-flip keep pixel values and stay within range", () => {
  const rng = new Rng(1), before = rng.state();
  const out = new Float32Array(12);
  augmentImage(IMG, out, [1, 3, 4], 'none', rng);
  assert.deepEqual(out, IMG);
  assert.deepEqual(rng.state(), before);
  const big = Float32Array.from({ length: 100 }, (_, i) => i + 1);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const o = new Float32Array(100);
    augmentImage(big, o, [1, 10, 10], i % 2 ? 'shift2' : 'crop4-flip', rng);
    const kept = Array.from(o).filter((v) => v !== 0);
    for (const v of kept) assert.ok(Number.isInteger(v) && v >= 1 && v <= 100);
    // At most ±2 (shift2) or ±4 (crop) pixels in each direction: at least 6×6 or 8×8 of 10×10 survive.
    assert.ok(kept.length >= (i % 2 ? 64 : 36), `${kept.length} pixels kept`);
    seen.add(kept.length);
  }
  assert.ok(seen.size > 5, 'offsets vary');
});
