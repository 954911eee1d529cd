// tidy(): op outputs inside the scope live in the kernels' memory and are reused after it. Results
// are bit-identical to the same work without tidy, on 1 and 2 threads; resident memory is flat over
// repeated steps; what fn returns is moved to the JS heap and stays valid; misuse gets a clear error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/engine/random.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { getKernels, setKernels } from '../../src/engine/kernels/index.js';
import { isShared } from '../../src/engine/buffer-pool.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { resnet8 } from '../../src/nn/models.js';
import { assertBitEqual } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
const before = getKernels();
after(() => { setKernels(before); W2.dispose(); });

/** A ResNet-8 (width 8) training run: the losses, the final weights and the eval logits, with or without tidy. */
function run(k: Kernels, useTidy: boolean, steps: number) {
  setKernels(k);
  const rng = new Rng(5);
  const model = resnet8(rng, 10, 8);
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn([8, 3, 32, 32], rng);
  const labels = Int32Array.from({ length: 8 }, (_, i) => i % 10);
  const step = () => {
    opt.zeroGrad();
    const loss = E.crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
    return loss.item();
  };
  const losses: number[] = [];
  const residentBytes: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(useTidy ? E.tidy(step) : step());
    residentBytes.push(k.resident!.bytes);
  }
  model.train(false);
  const infer = () => E.noGrad(() => model.forward(x));
  const logits = useTidy ? E.tidy(infer) : infer();
  return { losses, weights: model.parameters().map((p) => p.f32.slice()), logits, residentBytes };
}

test('tidy: a training run and an inference pass equal the same work without it, bit for bit, on 1 and 2 threads', () => {
  for (const k of [W, W2]) {
    const plain = run(k, false, 4), tidied = run(k, true, 4);
    assert.deepEqual(tidied.losses, plain.losses);
    tidied.weights.forEach((w, i) => assertBitEqual(w, plain.weights[i], `parameter ${i}`));
    assertBitEqual(tidied.logits.f32, plain.logits.f32, 'logits');
  }
});

test('tidy: activations are resident inside the scope, resident memory is flat over steps, the result moves to the JS heap', () => {
  const k = W;
  setKernels(k);
  const { residentBytes, logits } = run(k, true, 6);
  assert.ok(residentBytes[1] > 0);
  assert.deepEqual(residentBytes.slice(2), residentBytes.slice(2).map(() => residentBytes[1]), `flat after the first step: ${residentBytes.join(', ')}`);
  assert.equal(isShared(logits.f32), false, 'the returned tensor no longer views kernel memory');

  // Inside: a big op output is resident and is reused by the next scope.
  const rng = new Rng(2);
  const x = E.randn([4, 8, 32, 32], rng);
  let inner: Float32Array | undefined;
  const kept = E.tidy(() => {
    const y = E.relu(x);
    inner = y.f32;
    assert.ok(isShared(y.f32), 'an op output inside tidy is resident');
    return E.relu(y);
  });
  assert.ok(!isShared(kept.f32));
  const want = kept.f32.slice();
  const bytes = k.resident!.bytes;
  let again: Float32Array | undefined;
  E.tidy(() => { again = E.relu(E.relu(E.neg(x))).f32; });
  assert.ok(isShared(again!) && again !== kept.f32);
  assert.equal(k.resident!.bytes, bytes, 'the freed blocks are handed out again, no new one');
  assert.ok(inner);
  assertBitEqual(kept.f32, want, 'the returned tensor is unaffected by later scopes');
});

test('tidy: nested scopes hand returned tensors to the enclosing scope; exceptions free the scope', () => {
  setKernels(W);
  const rng = new Rng(3);
  const x = E.randn([2, 16, 32, 32], rng);
  const want = E.addRelu(E.relu(x), x).f32.slice();
  const got = E.tidy(() => {
    const y = E.tidy(() => E.relu(x));
    assert.ok(isShared(y.f32), 'still resident: the outer scope owns it now');
    return E.addRelu(y, x);
  });
  assertBitEqual(got.f32, want, 'nested result');
  const bytes = W.resident!.bytes;
  for (let i = 0; i < 3; i++) {
    assert.throws(() => E.tidy(() => { E.relu(x); throw new Error('boom'); }), /boom/);
  }
  assert.equal(W.resident!.bytes, bytes, 'a failed scope gives its blocks back');
});

test('tidy: a returned gradient graph or a view of kernel memory is refused with a clear error', () => {
  setKernels(W);
  const rng = new Rng(4);
  const w = E.randn([16, 16, 3, 3], rng);
  w.requiresGrad = true;
  const x = E.randn([2, 16, 32, 32], rng);
  assert.throws(() => E.tidy(() => E.conv2d(x, w, null, { padding: 1 })), /tidy: the returned Tensor\(float32 \[2,16,32,32\]\) still has a gradient graph \(op conv2d\)/);
  assert.throws(() => E.tidy(() => ({ a: [E.relu(x).f32] }) as unknown as E.TidyResult), /views kernel memory/);
  // Plain arrays, numbers and detached results are fine.
  const r = E.tidy(() => ({ n: 1, t: [E.noGrad(() => E.conv2d(x, w, null, { padding: 1 }))], copy: E.relu(x).f32.slice() }) as unknown as E.TidyResult);
  assert.ok(r);
});

test('tidy: without a resident heap (reference kernels) it only runs fn', () => {
  E.useReferenceKernels();
  const x = E.randn([2, 16, 32, 32], new Rng(6));
  const y = E.tidy(() => E.relu(E.relu(x)));
  assert.equal(y.size, x.size);
  setKernels(before);
});
