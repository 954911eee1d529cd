// Resident gradient buffers (Kernels.resident, used by the buffer pool): views into the wasm
// kernels' memory that kernel calls read and write in place. Same results as staged JS arrays,
// fewer bytes copied, blocks reused through the tape's explicit recycling only, and never handed
// to user code that may keep them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/engine/random.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { getKernels, setKernels } from '../../src/engine/kernels/index.js';
import { recycleGrad, takeGrad } from '../../src/engine/buffer-pool.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { resnet8 } from '../../src/nn/models.js';
import { assertBitEqual, conv, convSize, randn } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
const before = getKernels();
after(() => { setKernels(before); W2.dispose(); });

test('take/release: views into the kernels\' memory, reused as the same object, foreign arrays refused', () => {
  const heap = W.resident!;
  const a = heap.take(1 << 16)!;
  assert.ok(heap.owns(a));
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  const bytes = heap.bytes;
  assert.equal(heap.release(a), true);
  assert.equal(heap.take(1 << 16), a, 'the released array comes back');
  assert.equal(heap.bytes, bytes, 'without a new block');
  assert.equal(heap.release(new Float32Array(8)), false, 'a foreign array is not taken');
  assert.equal(heap.owns(a.subarray(1)), false, 'a view of a resident array is not resident');
  assert.equal(heap.take(0), null);
});

function backward(k: Kernels, g: ReturnType<typeof conv>, x: Float32Array, w: Float32Array, dy: Float32Array, resident: boolean, reluOut: Float32Array | null) {
  const s = convSize(g);
  const make = (n: number) => (resident ? k.resident!.take(n)! : new Float32Array(n));
  const dyArr = make(s.y);
  dyArr.set(dy);
  const dx = make(s.x), dw = make(s.w);
  const before = k.stagedBytes!;
  k.conv2dBackward(g, x, w, dyArr, dx, dw, null, reluOut);
  return { dx: dx.slice(), dw: dw.slice(), dy: dyArr.slice(), staged: k.stagedBytes! - before };
}

test('kernel calls on resident operands equal staged ones bit for bit, copy less, and never overwrite a resident input', () => {
  const rng = new Rng(8);
  for (const k of [W, W2]) {
    for (const g of [conv({ N: 8, C: 16, H: 16, W: 16, OC: 16, KH: 3, KW: 3, padH: 1, padW: 1 }), conv({ N: 64, C: 32, H: 4, W: 4, OC: 16, KH: 3, KW: 3, padH: 1, padW: 1 })]) {
      const s = convSize(g);
      const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y), r = randn(rng, s.y);
      for (const reluOut of [null, r]) {
        const staged = backward(k, g, x, w, dy, false, reluOut), res = backward(k, g, x, w, dy, true, reluOut);
        assertBitEqual(res.dx, staged.dx, 'dx');
        assertBitEqual(res.dw, staged.dw, 'dw');
        assertBitEqual(res.dy, dy, 'a resident dy is left as it was (the ReLU mask works on a copy)');
        assert.ok(res.staged < staged.staged, `resident operands are not copied (${res.staged} < ${staged.staged} bytes)`);
      }
    }
  }
});

test('ResNet-8 training: resident gradients give the same weights as JS-array gradients, 1 and 2 threads, and the resident memory is flat after the first step', () => {
  const run = (k: Kernels, resident: boolean): Record<string, Float32Array> => {
    setKernels(resident ? k : { ...bindAll(k), resident: undefined } as Kernels);
    const rng = new Rng(2);
    const model = resnet8(rng);
    const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
    const x = E.randn([8, 3, 32, 32], rng);
    const labels = Int32Array.from({ length: 8 }, (_, i) => i);
    let bytesAfterFirst = -1;
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      E.crossEntropy(model.forward(x), labels).backward();
      opt.step();
      if (resident && step === 0) bytesAfterFirst = k.resident!.bytes;
    }
    if (resident) assert.equal(k.resident!.bytes, bytesAfterFirst, 'no new resident blocks after the first step');
    return model.stateDict();
  };
  for (const k of [W, W2]) {
    const a = run(k, true), b = run(k, false);
    for (const key of Object.keys(a)) assertBitEqual(a[key], b[key], key);
  }
});

test('a customOp is handed a JS copy of a resident gradient, which later steps never overwrite', () => {
  setKernels(W);
  const rng = new Rng(5);
  const x = E.randn([8, 4, 32, 32], rng);
  x.requiresGrad = true;
  const kept: Float32Array[] = [], snapshot: Float32Array[] = [];
  const keep = (t: E.Tensor) => E.customOp('keep', [t], t.shape, ([v]) => v.slice(), (gy) => {
    kept.push(gy);
    snapshot.push(gy.slice());
    return [gy.slice()];
  });
  for (let step = 0; step < 3; step++) {
    E.sum(E.mul(E.relu(keep(E.relu(x))), 2)).backward();
    x.grad = null;
  }
  for (const g of kept) assert.ok(!(g.buffer instanceof SharedArrayBuffer), 'user code never holds a resident buffer');
  kept.forEach((g, i) => assert.deepEqual(g, snapshot[i]));
  // A gradient recycled by the tape comes back from takeGrad: the pool really uses resident blocks.
  const g = takeGrad(1 << 16);
  assert.ok(W.resident!.owns(g));
  recycleGrad(g);
});

/** The kernels' methods bound to it, as a plain object (so a copy can hide `resident`). */
function bindAll(k: Kernels): Kernels {
  const o: Record<string, unknown> = { name: k.name };
  let proto = Object.getPrototypeOf(k);
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const v = (k as unknown as Record<string, unknown>)[key];
      if (key !== 'constructor' && typeof v === 'function' && !(key in o)) o[key] = (v as (...a: unknown[]) => unknown).bind(k);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return o as unknown as Kernels;
}
