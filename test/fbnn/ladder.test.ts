import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetLadder, imageSampleBits, latentSampleBits, mbToBits, planBuffer } from '../../src/fbnn/ladder.js';

test('the paper\'s 25 Mb latent buffer: 24,400 × 1,024-bit vectors for 50 classes (decimal Mb)', () => {
  const p = planBuffer(mbToBits(25), latentSampleBits(1024), 50);
  assert.equal(mbToBits(25), 25_000_000);
  assert.equal(p.capacity, 24_400);
  assert.equal(p.perClass, 488);
  assert.equal(p.payloadBits, 24_985_600);
  assert.ok(p.payloadBits <= p.budgetBits);
});

test('the paper\'s 25 Mb native buffer: 1,150 images of 32×32×3 at 7 bits', () => {
  const bits = imageSampleBits(32, 32, 3, 7);
  assert.equal(bits, 21_504);
  const p = planBuffer(mbToBits(25), bits, 50);
  assert.equal(Math.floor(25e6 / bits), 1_162);
  assert.equal(p.capacity, 1_150);
  assert.equal(p.perClass, 23);
  // 8-bit pixels: the ×24 ratio quoted next to it.
  assert.equal(planBuffer(mbToBits(25), imageSampleBits(32, 32, 3, 8), 50).capacity, 1_000);
});

test('capacities are class-balanced: always a multiple of the classes, never over budget', () => {
  for (const budget of [0, 1, 1023, 1024, 5119, 5120, 123_457, 9_999_999]) {
    for (const classes of [1, 3, 5, 50]) {
      const p = planBuffer(budget, 1024, classes);
      assert.equal(p.capacity % classes, 0);
      assert.ok(p.payloadBits <= budget);
      // One more sample per class would not fit.
      assert.ok((p.capacity + classes) * 1024 > budget);
    }
  }
  assert.equal(planBuffer(mbToBits(0.05), imageSampleBits(32, 32, 3, 7), 5).capacity, 0, '0.05 Mb holds 2 CIFAR images: fewer than 5 classes');
});

test('budget ladder: 1-2-5 steps from 0.05 Mb up to the whole set', () => {
  assert.deepEqual(budgetLadder(0.05, 8.232), [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 8.232]);
  assert.deepEqual(budgetLadder(0.05, 10), [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]);
  const even = budgetLadder(0.05, 50, 2);
  assert.equal(even[0], 0.05);
  assert.equal(even[even.length - 1], 50);
  assert.ok(even.every((v, i) => i === 0 || v > even[i - 1]));
});

test('ladder arithmetic rejects bad input with the argument named', () => {
  assert.throws(() => mbToBits(-1), /Mb/);
  assert.throws(() => planBuffer(100, 0, 5), /sampleBits/);
  assert.throws(() => planBuffer(100, 8, 0), /classes/);
  assert.throws(() => imageSampleBits(32, 32, 3, 9), /pixelBits/);
  assert.throws(() => budgetLadder(0, 1), /minMb/);
  assert.throws(() => budgetLadder(1, 0.5), /maxMb/);
});
