import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClassIncremental, parseIncrementSpec, remapLabels, resolveClassOrder, taskSizes } from '../../src/data/scenario.js';
import { MT19937, numpyPermutation } from '../../src/data/numpyOrder.js';

// Output of `np.random.seed(1993); np.random.permutation(100)` (numpy 2.4.6), the common CIFAR-100 order.
const ORDER_1993 = [68, 56, 78, 8, 23, 84, 90, 65, 74, 76, 40, 89, 3, 92, 55, 9, 26, 80, 43, 38, 58, 70, 77, 1, 85, 19, 17, 50, 28, 53,
  13, 81, 45, 82, 6, 59, 83, 16, 15, 44, 91, 41, 72, 60, 79, 52, 20, 10, 31, 54, 37, 95, 14, 71, 96, 98, 97, 2, 64, 66, 42, 22, 35, 86,
  24, 34, 87, 21, 99, 0, 88, 27, 18, 94, 11, 12, 47, 25, 30, 46, 62, 69, 36, 61, 7, 63, 75, 5, 32, 4, 51, 48, 73, 93, 39, 67, 29, 49, 57, 33];

test('MT19937 + numpy permutation reproduce numpy exactly (CIFAR-100 seed 1993 order, other seeds)', () => {
  assert.deepEqual(Array.from(numpyPermutation(100, 1993)), ORDER_1993);
  assert.deepEqual(Array.from(numpyPermutation(10, 0)), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  assert.deepEqual(Array.from(numpyPermutation(20, 4294967295)), [11, 17, 19, 15, 1, 5, 8, 16, 13, 18, 14, 9, 10, 6, 0, 4, 7, 12, 2, 3]);
  // Reference MT19937 (init_genrand 5489): the 10000th output is 4123659995.
  const mt = new MT19937(5489);
  let x = 0;
  for (let i = 0; i < 10000; i++) x = mt.nextU32();
  assert.equal(x, 4123659995);
  assert.throws(() => new MT19937(-1), /seed must be an integer/);
});

test('scenario specs: parsing and task sizes', () => {
  assert.deepEqual(parseIncrementSpec('B50 Inc10'), { base: 50, increment: 10 });
  assert.deepEqual(parseIncrementSpec('b0inc2'), { base: 0, increment: 2 });
  assert.deepEqual(parseIncrementSpec('B10-Inc5'), { base: 10, increment: 5 });
  assert.throws(() => parseIncrementSpec('50/10'), /not of the form 'B<base> Inc<increment>'/);
  assert.throws(() => parseIncrementSpec('B0 Inc0'), /increment must be at least 1/);
  assert.deepEqual(taskSizes(100, { base: 50, increment: 10 }), [50, 10, 10, 10, 10, 10]);
  assert.deepEqual(taskSizes(10, { base: 0, increment: 2 }), [2, 2, 2, 2, 2]);
  assert.throws(() => taskSizes(100, { base: 50, increment: 15 }), /does not divide 100 classes/);
  assert.throws(() => taskSizes(10, { base: 20, increment: 1 }), /base 20 exceeds/);
});

test('class orders: given, seeded (bitspike Rng), numpy seed, validated as permutations', () => {
  assert.deepEqual(Array.from(resolveClassOrder(100, { numpySeed: 1993 })), ORDER_1993);
  const s = resolveClassOrder(10, { seed: 7 });
  assert.deepEqual(s, resolveClassOrder(10, { seed: 7 }));
  assert.notDeepEqual(s, resolveClassOrder(10, { seed: 8 }));
  assert.deepEqual([...s].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => resolveClassOrder(3, [0, 1, 1]), /not a permutation/);
  assert.throws(() => resolveClassOrder(3, [0, 1]), /has 2 entries, expected 3/);
});

test('class-incremental stream: disjoint task views that cover the data, cumulative tests, label map', () => {
  // 100 classes, 3 train and 1 test image per class.
  const train = Int32Array.from({ length: 300 }, (_, i) => i % 100);
  const test = Int32Array.from({ length: 100 }, (_, i) => 99 - i);
  const sc = buildClassIncremental(train, test, { numClasses: 100, spec: 'B50 Inc10', order: { numpySeed: 1993 } });
  assert.equal(sc.name, 'B50 Inc10');
  assert.deepEqual(sc.tasks.map((t) => t.classes.length), [50, 10, 10, 10, 10, 10]);
  assert.deepEqual(sc.tasks[0].classes.slice(0, 3), [68, 56, 78]);
  const seenTrain = new Set<number>();
  for (const t of sc.tasks) {
    assert.equal(t.train.length, 3 * t.classes.length);
    for (const i of t.train) { assert.ok(t.classes.includes(train[i])); assert.ok(!seenTrain.has(i)); seenTrain.add(i); }
    assert.equal(t.test.length, t.classes.length);
    assert.equal(t.cumulativeTest.length, t.seenClasses.length);
    for (const i of t.cumulativeTest) assert.ok(t.seenClasses.includes(test[i]));
    assert.ok(t.train.every((v, k) => k === 0 || v > t.train[k - 1]), 'ascending indices');
  }
  assert.equal(seenTrain.size, 300);
  assert.equal(sc.tasks[5].cumulativeTest.length, 100);
  assert.equal(sc.labelMap[68], 0);
  assert.equal(sc.labelMap[33], 99);
  const mapped = remapLabels(test, sc.labelMap, sc.tasks[0].cumulativeTest);
  assert.ok(mapped.every((y) => y < 50));
  const b0 = buildClassIncremental(Int32Array.from([0, 1, 2, 3]), Int32Array.from([3, 2]), { numClasses: 4, spec: { base: 0, increment: 2 } });
  assert.deepEqual(b0.tasks.map((t) => t.classes), [[0, 1], [2, 3]]);
  assert.deepEqual(Array.from(b0.tasks[0].cumulativeTest), []);
  assert.deepEqual(Array.from(b0.tasks[1].cumulativeTest), [0, 1]);
  assert.throws(() => buildClassIncremental(Int32Array.from([0, 1]), Int32Array.from([0]), { numClasses: 4, spec: 'B0 Inc2' }), /task 1 \(classes 2, 3\) has no training images/);
  assert.throws(() => buildClassIncremental(Int32Array.from([0, 7]), Int32Array.from([0]), { numClasses: 4, spec: 'B0 Inc2' }), /train label 7 at index 1 is outside/);
});
