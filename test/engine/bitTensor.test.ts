import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { BitTensor, Rng, xnorMatmul } from '../../src/engine/index.js';

test('BitTensor packs by sign (sign(0)=+1), round-trips, and counts bits', () => {
  const x = E.tensor([0, -1, 2, -0.5, 3, 0.1, -2, -3, 1], [3, 3]);
  const b = BitTensor.fromSigns(x);
  assert.deepEqual([b.get(0, 0), b.get(0, 1), b.get(0, 2)], [1, 0, 1]);
  assert.deepEqual([...b.toSigns().f32], [1, -1, 1, -1, 1, 1, -1, -1, 1]);
  assert.deepEqual([...b.popcount()], [2, 2, 1]);
  assert.equal(b.wordsPerRow, 2);
  assert.equal(b.storageBits, 3 * 64);
});

test('xnorMatmul equals the float product of ±1 matrices exactly, for odd sizes', () => {
  const rng = new Rng(77);
  for (const [M, N, K] of [[1, 1, 1], [3, 5, 31], [4, 7, 64], [5, 3, 65], [9, 6, 130], [2, 2, 1000]]) {
    const a = E.randn([M, K], rng), b = E.randn([N, K], rng);
    const A = BitTensor.fromSigns(a), B = BitTensor.fromSigns(b);
    const got = xnorMatmul(A, B);
    const want = E.matmul(A.toSigns(), B.toSigns(), { transB: true });
    assert.equal(got.dtype, 'int32');
    assert.deepEqual([...got.data], [...want.f32].map(Math.round), `${M}×${N}×${K}`);
  }
});

test('BitTensor rejects bad input: size mismatch, dirty padding, mismatched inner size', () => {
  assert.throws(() => new BitTensor(2, 10, new Uint32Array(3)), /2 rows of 10 bits need 4 words, got 3/);
  const w = new Uint32Array(2);
  w[0] = 1 << 12;
  assert.throws(() => new BitTensor(1, 10, w), /non-zero padding bit at position 12/);
  assert.throws(() => xnorMatmul(BitTensor.fromBits([1, 0], 1, 2), BitTensor.fromBits([1, 0, 1], 1, 3)), /inner sizes differ/);
  assert.throws(() => BitTensor.fromSigns(E.zeros([2, 2, 2])), /expects a 2-D tensor/);
});

test('xnorConv2d equals the float convolution of ±1 values with −1 padding, exactly', () => {
  const rng = new Rng(5);
  const cases: [number[], number[], { stride?: number; padding?: number; groups?: number }][] = [
    [[2, 3, 7, 6], [4, 3, 3, 3], { padding: 1 }],
    [[1, 4, 9, 9], [6, 2, 3, 3], { stride: 2, padding: 1, groups: 2 }],
    [[3, 5, 5, 5], [5, 1, 3, 3], { groups: 5 }],
    [[1, 40, 4, 4], [3, 40, 2, 2], {}],
  ];
  for (const [xs, ws, o] of cases) {
    const sign = (t: E.Tensor) => new E.Tensor(t.f32.map((v) => (v >= 0 ? 1 : -1)), t.shape);
    const x = sign(E.randn(xs, rng)), w = sign(E.randn(ws, rng));
    const p = o.padding ?? 0;
    const padded = E.pad(x, [[0, 0], [0, 0], [p, p], [p, p]], -1);
    const want = E.conv2d(padded, w, null, { stride: o.stride, groups: o.groups });
    const got = E.xnorConv2d(x, w, o);
    assert.equal(got.dtype, 'int32');
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual([...got.data], [...want.f32].map(Math.round), JSON.stringify([xs, ws, o]));
  }
  assert.throws(() => E.xnorConv2d(E.zeros([1, 3, 4, 4]), E.zeros([2, 2, 3, 3])), /does not fit input/);
});
