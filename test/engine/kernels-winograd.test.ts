// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (asm/kernels/winograd.ts): exact on small
// integers (its transforms only add, subtract and halve; the filter gradient's sums too), within rounding of the reference twin on
// random data, the same on 1 and 2 threads, and off on request. The shapes cover both transform
// paths (map widths with a multiple of four tiles a row, and any other), odd output sizes, padding
// 0–2, image chunks, and tile counts that are not a multiple of four.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import type { ConvGeometry, Kernels } from '../../src/engine/kernels/types.js';
import { assertBitEqual, assertClose, conv, convSize, randn } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
after(() => W2.dispose());

const k3 = (N: number, C: number, H: number, Wd: number, OC: number, pad: number) =>
  conv({ N, C, H, W: Wd, OC, KH: 3, KW: 3, padH: pad, padW: pad });

const SHAPES: ConvGeometry[] = [
  k3(3, 16, 16, 16, 16, 1), // 8 tiles a row: the row-of-four path
  k3(2, 16, 9, 13, 20, 1), // 5 × 7 tiles: the any-position path, odd output height and width
  k3(5, 32, 4, 4, 16, 1), // 2 × 2 tiles
  k3(7, 16, 2, 2, 32, 1), // one tile per image, 7 tiles: a tail of three
  k3(2, 17, 10, 12, 16, 0), // no padding, odd channel count
  k3(3, 16, 5, 6, 16, 2), // padding 2 (the input gradient of a padding-0 conv uses padding 2)
  k3(1, 16, 1, 1, 16, 1), // a 1×1 map
  k3(70, 16, 4, 4, 16, 1), // more images than one chunk (256 tiles)
  k3(3, 16, 7, 8, 24, 1), // 4 tiles a row on an odd-height map
];

/** Integers in [−2, 2]: every product and sum of Winograd's halved transforms is exact in f32. */
function smallInts(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(5) - 2);
}

test('Winograd equals direct convolution exactly on small integers (forward, bias, ReLU, input and filter gradients)', () => {
  const rng = new Rng(71);
  for (const g of SHAPES) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = smallInts(rng, s.x), w = smallInts(rng, s.w), b = smallInts(rng, g.OC), dy = smallInts(rng, s.y);
    for (const relu of [false, true]) {
      const want = new Float32Array(s.y), got = new Float32Array(s.y).fill(Number.NaN);
      R.conv2d(g, x, w, want, b, relu);
      W.conv2d(g, x, w, got, b, relu);
      assertBitEqual(got, want, `conv2d relu=${relu} ${what}`);
    }
    const want = new Float32Array(s.x), got = new Float32Array(s.x).fill(Number.NaN), fused = new Float32Array(s.x).fill(Number.NaN);
    R.conv2dBackwardInput(g, dy, w, want);
    W.conv2dBackwardInput(g, dy, w, got);
    const dwWant = new Float32Array(s.w), dwGot = new Float32Array(s.w).fill(Number.NaN), dwFused = new Float32Array(s.w).fill(Number.NaN);
    R.conv2dBackwardFilter(g, x, dy, dwWant);
    W.conv2dBackwardFilter(g, x, dy, dwGot);
    W.conv2dBackward(g, x, w, dy, fused, dwFused, null);
    assertBitEqual(got, want, `conv2dBackwardInput ${what}`);
    assertBitEqual(fused, want, `conv2dBackward dx ${what}`);
    assertBitEqual(dwGot, dwWant, `conv2dBackwardFilter ${what}`);
    assertBitEqual(dwFused, dwWant, `conv2dBackward dw ${what}`);
  }
});

test('Winograd agrees with the reference on random data, and its gradients with dw and db in one call', () => {
  const rng = new Rng(72);
  for (const g of SHAPES) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), b = randn(rng, g.OC), dy = randn(rng, s.y);
    const want = new Float32Array(s.y), got = new Float32Array(s.y);
    R.conv2d(g, x, w, want, b);
    W.conv2d(g, x, w, got, b);
    assertClose(got, want, `conv2d ${what}`, 1e-5);
    const ref = { dx: new Float32Array(s.x), dw: new Float32Array(s.w), db: new Float32Array(g.OC) };
    R.conv2dBackward(g, x, w, dy, ref.dx, ref.dw, ref.db);
    const out = { dx: new Float32Array(s.x).fill(Number.NaN), dw: new Float32Array(s.w).fill(Number.NaN), db: new Float32Array(g.OC).fill(Number.NaN) };
    W.conv2dBackward(g, x, w, dy, out.dx, out.dw, out.db);
    assertClose(out.dx, ref.dx, `dx ${what}`, 1e-5);
    assertClose(out.dw, ref.dw, `dw ${what}`);
    assertClose(out.db, ref.db, `db ${what}`);
  }
});

test('Winograd results are bit-identical on 1 and 2 threads (forward with ReLU; backward through a ReLU mask)', () => {
  const rng = new Rng(73);
  // The filter gradient on 2 threads splits image chunks (16 and 3 chunks: the first and last
  // shapes), output channels (one chunk: the second) or, where a chunk's GEMM spans several sgemm
  // k-blocks (400 tiles an image), output channels again (the fourth).
  for (const g of [k3(64, 32, 16, 16, 32, 1), k3(64, 128, 4, 4, 128, 1), k3(33, 16, 7, 7, 48, 1), k3(6, 16, 40, 40, 16, 1)]) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), b = randn(rng, g.OC), dy = randn(rng, s.y);
    const run = (k: Kernels) => {
      const y = new Float32Array(s.y), dx = new Float32Array(s.x), dw = new Float32Array(s.w);
      k.conv2d(g, x, w, y, b, true);
      k.conv2dBackward(g, x, w, dy, dx, dw, null, y);
      return { y, dx, dw };
    };
    const one = run(W), two = run(W2);
    assertBitEqual(two.y, one.y, `y ${what}`);
    assertBitEqual(two.dx, one.dx, `dx ${what}`);
    assertBitEqual(two.dw, one.dw, `dw ${what}`);
  }
});

test('winogradEnabled = false runs every conv as im2col + GEMM; shapes Winograd does not fit never use it', () => {
  const rng = new Rng(74);
  const g = k3(4, 16, 12, 12, 16, 1), s = convSize(g);
  const x = randn(rng, s.x), w = randn(rng, s.w);
  const y = (k: Kernels) => { const out = new Float32Array(s.y); k.conv2d(g, x, w, out); return out; };
  const off = createWasmKernels();
  off.winogradEnabled = false;
  const wino = y(W), direct = y(off);
  assertClose(direct, wino, 'the two algorithms agree', 1e-5);
  assert.ok(wino.some((v, i) => v !== direct[i]), 'Winograd rounds differently from im2col + GEMM, so the switch is observable');
  // The same geometry with stride 2, or 15 input channels, is not Winograd's: both switches agree bit for bit.
  for (const h of [conv({ N: 4, C: 16, H: 12, W: 12, OC: 16, KH: 3, KW: 3, padH: 1, padW: 1, strideH: 2, strideW: 2 }), k3(4, 15, 12, 12, 16, 1)]) {
    const hs = convSize(h), hx = randn(rng, hs.x), hw = randn(rng, hs.w);
    const a = new Float32Array(hs.y), c = new Float32Array(hs.y);
    W.conv2d(h, hx, hw, a); off.conv2d(h, hx, hw, c);
    assertBitEqual(a, c, `not Winograd's: ${JSON.stringify(h)}`);
  }
});
