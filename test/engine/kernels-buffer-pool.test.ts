// Recycling of gradient buffers between kernel calls (src/engine/buffer-pool.ts, used by the tape):
// only consumed engine gradients are reused, never arrays user code may still hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { clearBufferPool, pooledBufferBytes, recycleGrad, recycleIndex, takeF32, takeGrad, takeIndex } from '../../src/engine/buffer-pool.js';
import { Rng } from '../../src/engine/random.js';
import { getKernels, referenceKernels, setKernels } from '../../src/engine/kernels/index.js';

const BIG = 1 << 16;

test('the pool reuses recycled gradients once, ignores foreign arrays and stays bounded (JS arrays: reference backend)', (t) => {
  // With the wasm backend gradients are resident arrays instead (test/engine/resident.test.ts).
  const before = getKernels();
  setKernels(referenceKernels);
  t.after(() => setKernels(before));
  clearBufferPool();
  const g = takeGrad(BIG);
  recycleGrad(g);
  recycleGrad(g); // a second recycle of the same hand-out is ignored
  recycleGrad(new Float32Array(BIG)); // not from takeGrad: ignored
  assert.equal(pooledBufferBytes(), BIG * 4);
  const a = takeF32(BIG), b = takeF32(BIG);
  assert.equal(a, g, 'the recycled buffer is handed out again');
  assert.notEqual(b, g, 'and only once');
  recycleGrad(a); // handed out by takeF32 (an activation): never recycled
  assert.equal(pooledBufferBytes(), 0);
  for (let i = 0; i < 20; i++) recycleGrad(takeGrad(BIG));
  assert.ok(pooledBufferBytes() <= 8 * BIG * 4, 'at most 8 buffers of one size are kept');
  clearBufferPool();
  assert.equal(pooledBufferBytes(), 0);
});

test('a customOp that keeps its output gradient never sees it overwritten by later steps', () => {
  clearBufferPool();
  const rng = new Rng(5);
  const x = E.randn([8, 4, 32, 32], rng);
  x.requiresGrad = true;
  const kept: Float32Array[] = [];
  const snapshot: Float32Array[] = [];
  const keepGrad = (t: E.Tensor) => E.customOp('keep', [t], t.shape, ([v]) => v.slice(), (gy) => {
    kept.push(gy);
    snapshot.push(gy.slice());
    return [gy.slice()];
  });
  for (let step = 0; step < 4; step++) {
    // relu's backward gradient (a pooled buffer) flows into the customOp's backward.
    const y = E.relu(keepGrad(E.relu(x)));
    E.sum(E.mul(y, y)).backward();
    x.grad = null;
  }
  kept.forEach((g, i) => assert.deepEqual(g, snapshot[i], `gradient kept by step ${i} was overwritten`));
});

test('pass-through and reused gradients stay correct with recycling (add, reshape, a tensor used twice)', () => {
  clearBufferPool();
  const rng = new Rng(6);
  const x = E.randn([4, 8, 16, 16], rng);
  x.requiresGrad = true;
  for (let step = 0; step < 3; step++) {
    const r = E.relu(x);
    const z = E.add(E.reshape(r, [4, -1]), E.reshape(E.relu(E.add(r, r)), [4, -1]));
    E.sum(z).backward();
    // d/dx [relu(x) + relu(2 relu(x))] = 1[x>0]·(1 + 2) for x > 0, else 0.
    const gx = x.grad!.f32, X = x.f32;
    for (let i = 0; i < gx.length; i++) assert.equal(gx[i], X[i] > 0 ? 3 : 0, `step ${step} element ${i}`);
    x.grad = null;
  }
});

test("zeroGrad hands a parameter's gradient array back to its next backward; other arrays are never reused", () => {
  const rng = new Rng(6);
  const w = E.randn([64, 300], rng), v = E.randn([64, 300], rng);
  w.requiresGrad = true; v.requiresGrad = true;
  const x = E.randn([5, 64], rng);
  const opt = new E.SGD([w, v], { lr: 0.1 });
  const loss = () => E.sum(E.mul(E.matmul(x, w), E.matmul(x, v)));
  const fresh = (): Float32Array[] => {
    // The gradients as a first backward (fresh arrays) computes them, for the values now.
    const w2 = new E.Tensor(w.f32.slice(), w.shape, true), v2 = new E.Tensor(v.f32.slice(), v.shape, true);
    E.sum(E.mul(E.matmul(x, w2), E.matmul(x, v2))).backward();
    return [w2.grad!.f32, v2.grad!.f32];
  };
  loss().backward();
  const [gw, gv] = [w.grad!.f32, v.grad!.f32];
  opt.step();
  opt.zeroGrad();
  assert.equal(w.grad, null);
  loss().backward();
  assert.equal(w.grad!.f32, gw, "w's next gradient reuses w's array");
  assert.equal(v.grad!.f32, gv, "and v's its own");
  assert.deepEqual([w.grad!.f32, v.grad!.f32], fresh(), 'with the values a fresh array gets');
  // A gradient that user code set is not the tape's: zeroGrad does not hand it on.
  const mine = new Float32Array(w.size);
  w.grad = new E.Tensor(mine, w.shape);
  opt.zeroGrad();
  loss().backward();
  assert.notEqual(w.grad!.f32, mine, "a user's own array is never written by the tape");
  assert.ok(mine.every((a) => a === 0));
  // Without zeroGrad, a second backward accumulates into .grad (as before).
  const once = w.grad!.f32.slice();
  loss().backward();
  assert.deepEqual(w.grad!.f32, once.map((a) => Math.fround(a + a)));
});

test("max pooling's index arrays: pooled in training (handed back by the backward, once), none without gradients", () => {
  clearBufferPool();
  const rng = new Rng(9);
  const x = E.randn([4, 8, 64, 64], rng); // 32,768 pooled outputs: above the pooling threshold
  x.requiresGrad = true;
  const n = 4 * 8 * 32 * 32;
  // A training step's pooling fills a pooled index array and its backward hands it back: the next
  // hand-out of that size is that array, still holding the indices (a fresh one would be zeros).
  E.sum(E.maxPool2d(x, { kernel: 2 })).backward();
  const a = takeIndex(n);
  assert.ok(a.some((v) => v !== 0), 'the backward handed back the index array its forward filled');
  recycleIndex(a);
  recycleIndex(a); // a second hand-back of one hand-out is ignored
  recycleIndex(new Int32Array(n)); // not from takeIndex: ignored
  const b = takeIndex(n), c = takeIndex(n);
  assert.equal(b, a, 'the recycled array is handed out again');
  assert.notEqual(c, a, 'and only once');
  recycleIndex(b);
  // Without gradients no index array is taken: the pooled one stays in the pool.
  E.noGrad(() => E.maxPool2d(x, { kernel: 2 }));
  assert.equal(takeIndex(n), a, 'inference took no index array');
  // The gradient is the same as with a fresh index array: the maxima's positions get dy, the rest 0.
  const y = E.noGrad(() => E.maxPool2d(x, { kernel: 2 }));
  x.grad = null;
  E.sum(E.maxPool2d(x, { kernel: 2 })).backward();
  let ones = 0;
  for (const v of x.grad!.f32) ones += v;
  assert.equal(ones, y.size, 'one unit of gradient per window');
  clearBufferPool();
});
