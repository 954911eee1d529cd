// Layer fusion: a ReLU fused into the batch norm or convolution before it (kernels, ops, and
// Sequential's fusion groups) gives the same values and gradients as the separate ops, bit for bit,
// on every backend; in inference without gradients a batch norm folds into its convolution.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { getKernels, setKernels } from '../../src/engine/kernels/index.js';
import type { Kernels } from '../../src/engine/kernels/types.js';
import { noGrad, Tensor } from '../../src/engine/tensor.js';
import { batchNorm, neg, relu } from '../../src/engine/ops/index.js';
import { crossEntropy } from '../../src/engine/ops/loss.js';
import { BatchNorm, Conv2d, ReLU } from '../../src/nn/layers.js';
import { Module, Sequential } from '../../src/nn/module.js';
import { resnet8, smallCnn } from '../../src/nn/models.js';
import { assertBitEqual, assertClose, conv, convSize, randn } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
const before = getKernels();
after(() => { setKernels(before); W2.dispose(); });

const BACKENDS: [string, Kernels][] = [['reference', R], ['wasm', W], ['wasm ×2', W2]];
// Odd plane sizes exercise the scalar tails; 2 channels × 64² splits over threads.
const SHAPES: [number, number, number][] = [[3, 5, 7], [4, 2, 64 * 64], [6, 3, 1]];

/** x with exact zeros and negative zeros mixed in, so the mask's edge cases occur. */
function input(rng: Rng, n: number): Float32Array {
  const x = randn(rng, n);
  for (let i = 0; i < n; i += 7) x[i] = i % 14 === 0 ? 0 : -0;
  return x;
}

test('batchNormForward with relu equals batchNormForward then relu, and its backward equals reluBackward then batchNormBackward (bit for bit)', () => {
  const rng = new Rng(5);
  for (const [name, k] of BACKENDS) {
    for (const [N, C, P] of SHAPES) {
      for (const training of [true, false]) {
        const x = input(rng, N * C * P), gamma = randn(rng, C), beta = randn(rng, C), dy = randn(rng, N * C * P);
        const stats = () => [new Float32Array(C), new Float32Array(C), new Float32Array(C)];
        const [m1, v1, s1] = stats(), [m2, v2, s2] = stats();
        if (!training) {
          const mean = randn(rng, C);
          for (const [m, s] of [[m1, s1], [m2, s2]]) { m.set(mean); s.fill(1.25); }
        }
        const bn = new Float32Array(x.length), y = new Float32Array(x.length), fused = new Float32Array(x.length);
        k.batchNormForward(N, C, P, x, gamma, beta, 1e-5, training, m1, v1, s1, bn);
        k.relu(bn, y);
        k.batchNormForward(N, C, P, x, gamma, beta, 1e-5, training, m2, v2, s2, fused, true);
        const what = `${name} N=${N} C=${C} P=${P} training=${training}`;
        assertBitEqual(fused, y, `forward ${what}`);
        assertBitEqual(m2, m1, `mean ${what}`);
        assertBitEqual(s2, s1, `invStd ${what}`);

        const du = new Float32Array(x.length);
        k.reluBackward(y, dy, du);
        const grads = () => [new Float32Array(x.length).fill(Number.NaN), new Float32Array(C).fill(Number.NaN), new Float32Array(C).fill(Number.NaN)];
        const [dx1, dg1, db1] = grads(), [dx2, dg2, db2] = grads();
        k.batchNormBackward(N, C, P, x, du, m1, s1, gamma, training, dx1, dg1, db1);
        k.batchNormBackward(N, C, P, x, dy, m1, s1, gamma, training, dx2, dg2, db2, fused);
        assertBitEqual(dx2, dx1, `dx ${what}`);
        assertBitEqual(dg2, dg1, `dgamma ${what}`);
        assertBitEqual(db2, db1, `dbeta ${what}`);
      }
    }
  }
});

test('batchNormBackward rejects a ReLU output of the wrong size, naming it', () => {
  const C = 2, n = 3 * C * 4;
  for (const [, k] of BACKENDS) {
    assert.throws(() => k.batchNormBackward(3, C, 4, new Float32Array(n), new Float32Array(n), new Float32Array(C), new Float32Array(C),
      null, true, new Float32Array(n), null, null, new Float32Array(n - 1)), /reluOut/);
  }
});

test('conv2d with a relu epilogue equals conv2d then relu, and its backward equals reluBackward then conv2dBackward (bit for bit)', () => {
  const rng = new Rng(7);
  const geometries = [
    conv({ N: 3, C: 2, H: 9, W: 8, OC: 5, KH: 3, KW: 3, padH: 1, padW: 1 }),
    conv({ N: 8, C: 4, H: 16, W: 16, OC: 8, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
  ];
  for (const [name, k] of BACKENDS) {
    for (const g of geometries) {
      for (const withBias of [false, true]) {
        const s = convSize(g);
        const x = input(rng, s.x), w = randn(rng, s.w), bias = withBias ? randn(rng, g.OC) : null, dy = randn(rng, s.y);
        const plain = new Float32Array(s.y), y = new Float32Array(s.y), fused = new Float32Array(s.y);
        k.conv2d(g, x, w, plain, bias);
        k.relu(plain, y);
        k.conv2d(g, x, w, fused, bias, true);
        const what = `${name} ${JSON.stringify(g)} bias=${withBias}`;
        assertBitEqual(fused, y, `forward ${what}`);
        const du = new Float32Array(s.y);
        k.reluBackward(y, dy, du);
        const grads = () => ({ dx: new Float32Array(s.x).fill(Number.NaN), dw: new Float32Array(s.w).fill(Number.NaN), db: new Float32Array(g.OC).fill(Number.NaN) });
        const a = grads(), b = grads();
        k.conv2dBackward(g, x, w, du, a.dx, a.dw, a.db);
        k.conv2dBackward(g, x, w, dy, b.dx, b.dw, b.db, fused);
        assertBitEqual(b.dx, a.dx, `dx ${what}`);
        assertBitEqual(b.dw, a.dw, `dw ${what}`);
        assertBitEqual(b.db, a.db, `db ${what}`);
      }
    }
  }
});

function gradsOf(model: Module, params: Module, x: Tensor, labels: Int32Array): Float32Array[] {
  crossEntropy(model.forward(x), labels).backward();
  return [x.grad!.f32, ...params.parameters().map((p) => p.grad!.f32)];
}

/** The same network as `model`, with fusion switched off: every layer runs its own forward. */
function unfused(model: Sequential): Module {
  return new (class extends Module {
    forward(x: Tensor): Tensor { return model.layers.reduce((y, l) => l.forward(y), x); }
  })();
}

for (const [model, make, shape] of [
  ['ResNet-8', (seed: number) => resnet8(new Rng(seed)), [4, 3, 32, 32]],
  ['small CNN', (seed: number) => smallCnn(new Rng(seed)), [4, 1, 28, 28]],
] as const) {
  test(`${model}: fused layers give the same outputs, gradients and running statistics as unfused ones; folded inference stays within 1e-5`, () => {
    for (const [name, k] of BACKENDS) {
      setKernels(k);
      const a = make(3), b = make(3);
      const rng = new Rng(4);
      const size = shape.reduce((p: number, v: number) => p * v, 1);
      const xa = new Tensor(randn(rng, size), [...shape], true), xb = new Tensor(xa.f32.slice(), [...shape], true);
      const labels = Int32Array.from([1, 2, 3, 4]);
      const ga = gradsOf(a, a, xa, labels), gb = gradsOf(unfused(b), b, xb, labels);
      assert.equal(ga.length, gb.length);
      ga.forEach((g, i) => assertBitEqual(g, gb[i], `${name}: gradient ${i}`));
      const sa = a.stateDict(), sb = b.stateDict();
      for (const key of Object.keys(sa)) assertBitEqual(sa[key], sb[key], `${name}: ${key}`);
      a.eval(); b.eval();
      const want = unfused(b).forward(xb).f32;
      // Evaluation while gradients are recorded fuses only exactly (no folding).
      assertBitEqual(a.forward(xa).f32, want, `${name}: eval output with gradients on`);
      assertClose(noGrad(() => a.forward(xa)).f32, want, `${name}: folded inference`, 1e-5);
    }
  });
}

test('fusion groups: conv+ReLU, batchNorm+ReLU (also across a nested Sequential) and conv+batchNorm+ReLU folded only in inference', () => {
  setKernels(W);
  const rng = new Rng(6);
  const conv = () => new Conv2d({ inChannels: 2, outChannels: 2, kernel: 3, padding: 1, rng });
  const x = new Tensor(randn(rng, 2 * 2 * 5 * 5), [2, 2, 5, 5], true);
  const c = conv(), bn = new BatchNorm({ channels: 2 }), r = new ReLU();
  assert.equal(c.fuses([r]), 1);
  assert.equal(c.fuses([bn, r]), 0, 'training: the batch norm needs its batch statistics');
  assert.equal(bn.fuses([r]), 1);
  assert.equal(bn.fuses([c]), 0);
  assert.equal(new Sequential([conv(), new ReLU()]).forward(x).node?.op, 'conv2dRelu');
  const nested = new Sequential([new Sequential([c, bn]), r]);
  assert.equal(nested.forward(x).node?.op, 'batchNormRelu');
  nested.eval();
  assert.equal(c.fuses([bn, r]), 0, 'gradients on: no folding');
  noGrad(() => assert.equal(c.fuses([bn, r]), 2));
  assert.equal(nested.forward(x).node?.op, 'batchNormRelu');
  // A subclass with its own forward (here: a negated conv) is never fused: its forward runs.
  class SignConv extends Conv2d {
    override forward(t: Tensor): Tensor { return neg(super.forward(t)); }
  }
  const sc = new SignConv({ inChannels: 2, outChannels: 2, kernel: 3, padding: 1, rng });
  assert.equal(sc.fuses([new ReLU()]), 0);
  assert.equal(new Sequential([new Sequential([sc]), new ReLU()]).forward(x).node?.op, 'relu');
  // Unfused, a batch norm then a ReLU record two nodes.
  const manual = relu(batchNorm(c.forward(x), bn.gamma, bn.beta, bn, { training: true }));
  assert.equal(manual.node?.op, 'relu');
  assert.equal(manual.node?.inputs[0].node?.op, 'batchNorm');
});
