// Winograd F(4×4, 3×3) (asm/kernels/winograd4.ts), for the forward conv and both gradients of
// float layers: used only when the caller accepts approximate rounding and the map fills 4×4 tiles
// well; within a stated tolerance of the reference twin on random data; the same on 1 and 2
// threads; chosen by Conv2d, never by the bare op, so binary and spiking paths stay exact.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { getKernels, setKernels } from '../../src/engine/kernels/index.js';
import type { ConvGeometry, Kernels } from '../../src/engine/kernels/types.js';
import { noGrad, Tensor } from '../../src/engine/tensor.js';
import { conv2d, sum } from '../../src/engine/ops/index.js';
import { BatchNorm, Conv2d, ReLU } from '../../src/nn/layers.js';
import { Sequential } from '../../src/nn/module.js';
import { assertBitEqual, assertClose, conv, convSize, randn } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
const before = getKernels();
after(() => { setKernels(before); W2.dispose(); });

const k3 = (N: number, C: number, H: number, Wd: number, OC: number, pad: number) =>
  conv({ N, C, H, W: Wd, OC, KH: 3, KW: 3, padH: pad, padW: pad });

// Every shape here runs as F(4×4): maps a multiple of 4 and not, one tile an image, padding 0–2,
// channel counts that are not a multiple of 4 (the filter transform's tail lanes), tile counts that
// are not a multiple of 4, and more images than one 128-tile chunk.
const SHAPES: ConvGeometry[] = [
  k3(3, 16, 16, 16, 16, 1),
  k3(5, 32, 4, 4, 16, 1),
  k3(2, 17, 10, 12, 19, 0),
  k3(3, 16, 5, 6, 16, 2),
  k3(3, 18, 7, 8, 24, 1),
  k3(2, 32, 13, 13, 64, 0),
  k3(200, 16, 3, 3, 16, 1),
];

test('F(4×4, 3×3) agrees with the reference within 2e-5 (relative to output scale), with bias and ReLU', () => {
  const rng = new Rng(81);
  for (const g of SHAPES) {
    assert.equal(W.convAlgorithm!(g, true), 'winograd4x4', JSON.stringify(g));
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), b = randn(rng, g.OC);
    for (const relu of [false, true]) {
      const want = new Float32Array(s.y), got = new Float32Array(s.y).fill(Number.NaN);
      R.conv2d(g, x, w, want, b, relu);
      W.conv2d(g, x, w, got, b, relu, true);
      assertClose(got, want, `conv2d approximate relu=${relu} ${what}`, 2e-5);
    }
  }
});

test('F(4×4, 3×3) is bit-identical on 1 and 2 threads', () => {
  const rng = new Rng(82);
  for (const g of [k3(64, 32, 16, 16, 32, 1), k3(64, 128, 4, 4, 128, 1), k3(33, 18, 7, 7, 48, 1)]) {
    const s = convSize(g), x = randn(rng, s.x), w = randn(rng, s.w), b = randn(rng, g.OC);
    const one = new Float32Array(s.y), two = new Float32Array(s.y);
    W.conv2d(g, x, w, one, b, true, true);
    W2.conv2d(g, x, w, two, b, true, true);
    assertBitEqual(two, one, JSON.stringify(g));
  }
});

test('the algorithm is chosen by geometry: F(4×4) only for approximate calls on maps that fill 4×4 tiles', () => {
  assert.equal(W.convAlgorithm!(k3(8, 16, 8, 8, 16, 1)), 'winograd2x2');
  assert.equal(W.convAlgorithm!(k3(8, 16, 8, 8, 16, 1), true), 'winograd4x4');
  // A 2×2 map would use a quarter of each 4×4 tile, a 6×6 map 9/16: F(2×2) does less work there.
  assert.equal(W.convAlgorithm!(k3(8, 16, 2, 2, 16, 1), true), 'winograd2x2');
  assert.equal(W.convAlgorithm!(k3(8, 16, 6, 6, 16, 1), true), 'winograd2x2');
  assert.equal(W.convAlgorithm!(k3(8, 15, 8, 8, 16, 1), true), 'im2col');
  assert.equal(W.convAlgorithm!(conv({ N: 8, C: 16, H: 8, W: 8, OC: 16, KH: 3, KW: 3, padH: 1, padW: 1, strideH: 2, strideW: 2 }), true), 'im2col');
  const off = createWasmKernels();
  off.winogradEnabled = false;
  assert.equal(off.convAlgorithm!(k3(8, 16, 8, 8, 16, 1), true), 'im2col');
});

test('integer-valued operands stay exact unless the call is approximate (F(4×4) divides by 6 and 24)', () => {
  const rng = new Rng(83);
  const g = k3(4, 16, 8, 8, 16, 1), s = convSize(g);
  const ints = (n: number) => Float32Array.from({ length: n }, () => rng.int(5) - 2);
  const x = ints(s.x), w = ints(s.w);
  const want = new Float32Array(s.y), exact = new Float32Array(s.y), approx = new Float32Array(s.y);
  R.conv2d(g, x, w, want);
  W.conv2d(g, x, w, exact);
  W.conv2d(g, x, w, approx, null, false, true);
  assertBitEqual(exact, want, 'default call on integers');
  assertClose(approx, want, 'approximate call on integers', 2e-5);
  assert.ok(approx.some((v, i) => v !== want[i]), 'F(4×4) rounds integer sums: the approximate path is observable');
});

test('the gradients run as F(4×4) when approximate: close to the reference, db unchanged, the same on 2 threads', () => {
  const rng = new Rng(85);
  // dx's map is H × W and dw's tiles cover OH × OW. On 2 threads dw splits image chunks (the third
  // shape: 2 chunks of 8 images) or output channels (the fourth: the batch is one chunk). The
  // gradients sum up to 1,152 products (dx of 128 channels): the bound is 5e-5 of the output scale.
  for (const g of [k3(6, 16, 8, 8, 24, 1), k3(3, 32, 13, 13, 17, 0), k3(16, 32, 16, 16, 32, 1), k3(16, 128, 4, 4, 128, 1), k3(5, 16, 7, 9, 16, 2)]) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
    const ref = { dx: new Float32Array(s.x), dw: new Float32Array(s.w), db: new Float32Array(g.OC) };
    R.conv2dBackward(g, x, w, dy, ref.dx, ref.dw, ref.db);
    const run = (k: Kernels, approximate: boolean) => {
      const o = { dx: new Float32Array(s.x).fill(Number.NaN), dw: new Float32Array(s.w).fill(Number.NaN), db: new Float32Array(g.OC).fill(Number.NaN) };
      k.conv2dBackward(g, x, w, dy, o.dx, o.dw, o.db, null, approximate);
      return o;
    };
    const exact = run(W, false), approx = run(W, true), two = run(W2, true);
    assertClose(approx.dx, ref.dx, `dx ${what}`, 5e-5);
    assertClose(approx.dw, ref.dw, `dw ${what}`, 5e-5);
    assert.ok(approx.dx.some((v, i) => v !== exact.dx[i]), `dx rounds as F(4×4), not F(2×2): ${what}`);
    assert.ok(approx.dw.some((v, i) => v !== exact.dw[i]), `dw rounds as F(4×4), not F(2×2): ${what}`);
    assertBitEqual(approx.db, exact.db, `db ${what}`);
    assertBitEqual(two.dx, approx.dx, `dx on 2 threads ${what}`);
    assertBitEqual(two.dw, approx.dw, `dw on 2 threads ${what}`);
  }
});

test('Conv2d layers round as F(4×4) in training and inference; the bare conv2d op stays on exact-on-integers F(2×2)', () => {
  setKernels(W);
  const rng = new Rng(84);
  const layer = new Conv2d({ inChannels: 16, outChannels: 16, kernel: 3, padding: 1, rng });
  const xs = randn(rng, 4 * 16 * 8 * 8);
  const run = (f: (x: Tensor) => Tensor) => {
    const x = new Tensor(xs.slice(), [4, 16, 8, 8], true);
    layer.weight.grad = null;
    const y = f(x);
    sum(y).backward();
    return { y: y.f32.slice(), dx: x.grad!.f32.slice(), dw: layer.weight.grad!.f32.slice() };
  };
  const approx = run((x) => conv2d(x, layer.weight, layer.bias, { padding: 1 }, { approximate: true }));
  const exact = run((x) => conv2d(x, layer.weight, layer.bias, { padding: 1 }));
  assert.ok(approx.y.some((v, i) => v !== exact.y[i]), 'the two roundings differ on random data');
  const trained = run((x) => layer.forward(x));
  assertBitEqual(trained.y, approx.y, 'Conv2d forward');
  assertBitEqual(trained.dx, approx.dx, 'Conv2d input gradient');
  assertBitEqual(trained.dw, approx.dw, 'Conv2d filter gradient');
  assertClose(trained.dx, exact.dx, 'input gradients of the two roundings', 2e-5);
  layer.eval();
  assertBitEqual(noGrad(() => layer.forward(new Tensor(xs, [4, 16, 8, 8]))).f32, approx.y, 'inference');
  // A Sequential's folded conv + batch norm + ReLU in inference is close to the unfused layers.
  const net = new Sequential([new Conv2d({ inChannels: 16, outChannels: 16, kernel: 3, padding: 1, rng }), new BatchNorm({ channels: 16 }), new ReLU()]);
  const x = new Tensor(xs, [4, 16, 8, 8]);
  net.forward(x); // running statistics move off their initial values
  net.eval();
  const folded = noGrad(() => net.forward(x)).f32;
  const [c, bn, r] = net.layers as [Conv2d, BatchNorm, ReLU];
  const unfused = r.forward(bn.forward(conv2d(x, c.weight, c.bias, { padding: 1 }))).f32;
  assertClose(folded, unfused, 'folded inference', 2e-5);
});
