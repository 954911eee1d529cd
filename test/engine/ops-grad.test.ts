// Every op with a gradient passes a finite-difference check (float32 central differences, so
// inputs are kept away from kinks and tolerances are loose but meaningful: a wrong gradient is off
// by O(1), not O(1e-2)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Rng, Tensor } from '../../src/engine/index.js';

const rng = new Rng(1234);
const rand = (shape: number[], lo = -1, hi = 1) => E.randu(shape, rng, lo, hi);
/** Values bounded away from zero (for relu/abs/div). */
const awayFromZero = (shape: number[]) => {
  const t = rand(shape, 0.2, 1);
  const d = t.f32;
  for (let i = 0; i < d.length; i++) if (rng.float() < 0.5) d[i] = -d[i];
  return t;
};

function check(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], tol = 2e-2, eps = 1e-2) {
  test(`gradient: ${name}`, () => {
    const r = E.gradCheck(f, inputs, eps);
    assert.ok(r.maxRelError < tol, `${name}: max rel error ${r.maxRelError} (${JSON.stringify(r.worst)})`);
  });
}

check('add broadcast', (a, b) => E.add(a, b), [rand([2, 3, 4]), rand([3, 1])]);
check('sub broadcast', (a, b) => E.sub(a, b), [rand([4, 1]), rand([1, 5])]);
check('mul broadcast', (a, b) => E.mul(a, b), [rand([2, 3]), rand([3])]);
check('div', (a, b) => E.div(a, b), [rand([3, 3]), rand([3, 3], 0.5, 1.5)]);
check('maximum', (a, b) => E.maximum(a, b), [awayFromZero([10]), E.scale(awayFromZero([10]), 0.3).detach()]);
check('exp/log/sqrt', (a) => E.sqrt(E.log(E.exp(a))), [rand([6], 0.5, 2)]);
check('square/abs/neg', (a) => E.neg(E.abs(E.square(a))), [awayFromZero([7])]);
check('sigmoid/tanh', (a) => E.tanh(E.sigmoid(a)), [rand([9], -3, 3)]);
check('pow', (a) => E.pow(a, 3), [rand([5], 0.5, 1.5)]);
check('relu', (a) => E.relu(a), [awayFromZero([20])]);
check('leakyRelu', (a) => E.leakyRelu(a, 0.1), [awayFromZero([20])]);
check('clip', (a) => E.clip(a, -0.5, 0.5), [awayFromZero([20]).detach()].map((t) => { const d = t.f32; for (let i = 0; i < d.length; i++) if (Math.abs(Math.abs(d[i]) - 0.5) < 0.05) d[i] *= 1.3; return t; }));
check('scale', (a) => E.scale(a, -2.5), [rand([4])]);
check('sum axes', (a) => E.sum(a, [0, 2]), [rand([2, 3, 4])]);
check('sum keepDims', (a) => E.mul(E.sum(a, 1, true), a), [rand([3, 4])]);
check('mean', (a) => E.mean(a, -1), [rand([3, 5])]);
check('max axis', (a) => E.max(a, 1), [E.tensor([0.1, 0.9, 0.3, -0.2, -0.8, 0.5], [2, 3])]);
check('matmul', (a, b) => E.matmul(a, b), [rand([3, 4]), rand([4, 5])]);
check('matmul Aᵀ', (a, b) => E.matmul(a, b, { transA: true }), [rand([4, 3]), rand([4, 5])]);
check('matmul Bᵀ', (a, b) => E.matmul(a, b, { transB: true }), [rand([3, 4]), rand([5, 4])]);
check('matmul AᵀBᵀ', (a, b) => E.matmul(a, b, { transA: true, transB: true }), [rand([4, 3]), rand([5, 4])]);
check('linear', (x, w, b) => E.linear(x, w, b), [rand([3, 4]), rand([2, 4]), rand([2])]);
check('conv2d', (x, w, b) => E.conv2d(x, w, b, { stride: 1, padding: 1 }), [rand([2, 2, 5, 5]), rand([3, 2, 3, 3]), rand([3])]);
check('conv2d stride/dilation', (x, w) => E.conv2d(x, w, null, { stride: 2, padding: [1, 2], dilation: 2 }), [rand([1, 2, 7, 6]), rand([2, 2, 2, 3])]);
check('conv2d groups', (x, w) => E.conv2d(x, w, null, { groups: 2, padding: 1 }), [rand([1, 4, 4, 4]), rand([6, 2, 3, 3])]);
check('conv2d depthwise', (x, w) => E.conv2d(x, w, null, { groups: 3, stride: 2 }), [rand([2, 3, 5, 5]), rand([3, 1, 3, 3])]);
check('maxPool2d', (x) => E.maxPool2d(x, { kernel: 2 }), [E.tensor(Array.from({ length: 2 * 2 * 4 * 4 }, (_, i) => Math.sin(i * 7.1) + i * 1e-3), [2, 2, 4, 4])]);
check('maxPool2d padded stride', (x) => E.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }), [E.tensor(Array.from({ length: 50 }, (_, i) => Math.cos(i * 3.3) + i * 1e-3), [1, 2, 5, 5])]);
check('avgPool2d', (x) => E.avgPool2d(x, { kernel: 3, stride: 2, padding: 1 }), [rand([1, 2, 5, 5])]);
check('globalAvgPool2d', (x) => E.globalAvgPool2d(x), [rand([2, 3, 3, 2])]);
check('batchNorm train NCHW', (x, g, b) => E.batchNorm(x, g, b, { runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1) }, { training: true }),
  [rand([4, 3, 2, 2]), rand([3], 0.5, 1.5), rand([3])], 3e-2);
check('batchNorm train NC', (x) => E.batchNorm(x, null, null, { runningMean: new Float32Array(2), runningVar: new Float32Array(2).fill(1) }, { training: true }), [rand([6, 2])], 3e-2);
check('batchNorm eval', (x, g) => E.batchNorm(x, g, null, { runningMean: Float32Array.of(0.1, -0.2), runningVar: Float32Array.of(0.5, 2) }, { training: false }), [rand([3, 2, 2, 2]), rand([2])]);
check('softmax', (x) => E.softmax(x), [rand([3, 4], -2, 2)]);
check('logSoftmax', (x) => E.logSoftmax(x), [rand([3, 4], -2, 2)]);
check('crossEntropy mean', (x) => E.crossEntropy(x, [0, 3, 1]), [rand([3, 4], -2, 2)]);
check('crossEntropy weighted + smoothing', (x) => E.crossEntropy(x, [2, 0, 1, 2], { classWeights: [0.5, 2, 1], labelSmoothing: 0.1 }), [rand([4, 3], -2, 2)]);
check('crossEntropy none', (x) => E.crossEntropy(x, [1, 0], { reduction: 'none' }), [rand([2, 3], -2, 2)]);
check('mse', (x) => E.mse(x, E.tensor([0.5, -0.5, 0.1, 0.2], [2, 2])), [rand([2, 2])]);
check('reshape/flatten', (x) => E.flatten(E.reshape(x, [2, -1, 2])), [rand([2, 6])]);
check('transpose', (x) => E.transpose(x, [2, 0, 1]), [rand([2, 3, 4])]);
check('transpose 2d', (x) => E.transpose(x), [rand([3, 5])]);
check('concat', (a, b) => E.concat([a, b], 1), [rand([2, 2, 3]), rand([2, 1, 3])]);
check('slice', (x) => E.slice(x, [1, 0, 1], [1, -1, 2]), [rand([3, 2, 4])]);
check('gather repeated', (x) => E.gather(x, [2, 0, 2], 0), [rand([3, 4])]);
check('gather axis 1', (x) => E.gather(x, [1, 1, 0], 1), [rand([2, 3, 2])]);
check('pad', (x) => E.pad(x, [[0, 0], [1, 2]], 0.5), [rand([2, 3])]);
check('customOp (hand-written cube)', (x) => E.customOp('cube', [x], x.shape, ([a]) => a.map((v) => v * v * v),
  (gy, [a]) => [gy.map((g, i) => 3 * a[i] * a[i] * g)]), [rand([5])]);

test('customOp expresses a straight-through estimator: sign forward, clipped identity backward', () => {
  const x = E.tensor([-2, -0.5, 0, 0.7, 3], [5], { requiresGrad: true });
  const y = E.customOp('steSign', [x], x.shape, ([a]) => a.map((v) => (v >= 0 ? 1 : -1)),
    (gy, [a]) => [gy.map((g, i) => (Math.abs(a[i]) <= 1 ? g : 0))]);
  assert.deepEqual([...y.f32], [-1, -1, 1, 1, 1]);
  y.backward(Float32Array.of(1, 1, 1, 1, 1));
  assert.deepEqual([...x.grad!.f32], [0, 1, 1, 1, 0]);
});

test('accumulating gradients across two uses of one tensor (x·x + x)', () => {
  const x = E.tensor([1.5, -2], [2], { requiresGrad: true });
  E.sum(E.add(E.mul(x, x), x)).backward();
  assert.deepEqual([...x.grad!.f32], [4, -3]);
});

test('grads accumulate across backward calls and zero on request', () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  E.sum(x).backward();
  E.sum(E.scale(x, 3)).backward();
  assert.deepEqual([...x.grad!.f32], [4, 4]);
});

test('noGrad records nothing', () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  const y = E.noGrad(() => E.mul(x, x));
  assert.equal(y.requiresGrad, false);
  assert.throws(() => y.backward(), /does not require a gradient/);
});
