// Pins the reference kernels themselves: against independent naive formulations, adjoint
// identities and finite differences, plus the bit kernels' exact semantics and input validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { packedWords, type ConvGeometry, type Kernels } from '../../src/engine/kernels/types.js';
import { assertClose, conv, convSize, dot, pool, randn } from './kernels-helpers.js';

const W = createWasmKernels();

// Scatter-form 7-loop convolution, structured differently from the reference (input-centred).
function naiveConv(g: ConvGeometry, x: Float32Array, w: Float32Array): Float64Array {
  const y = new Float64Array(g.N * g.OC * g.OH * g.OW);
  const Cg = g.C / g.groups, OCg = g.OC / g.groups;
  for (let n = 0; n < g.N; n++)
    for (let oc = 0; oc < g.OC; oc++)
      for (let c = 0; c < Cg; c++)
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++)
            for (let oh = 0; oh < g.OH; oh++)
              for (let ow = 0; ow < g.OW; ow++) {
                const ih = oh * g.strideH + kh * g.dilationH - g.padH;
                const iw = ow * g.strideW + kw * g.dilationW - g.padW;
                if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
                const ci = Math.floor(oc / OCg) * Cg + c;
                y[((n * g.OC + oc) * g.OH + oh) * g.OW + ow] +=
                  x[((n * g.C + ci) * g.H + ih) * g.W + iw] * w[((oc * Cg + c) * g.KH + kh) * g.KW + kw];
              }
  return y;
}

const convCases: ConvGeometry[] = [
  conv({ N: 2, C: 3, H: 7, W: 6, OC: 4, KH: 3, KW: 3 }),
  conv({ N: 1, C: 2, H: 9, W: 11, OC: 3, KH: 3, KW: 2, strideH: 2, strideW: 3, padH: 1, padW: 2 }),
  conv({ N: 2, C: 4, H: 8, W: 8, OC: 6, KH: 3, KW: 3, dilationH: 2, dilationW: 3, padH: 2, padW: 1, groups: 2 }),
  conv({ N: 2, C: 5, H: 6, W: 7, OC: 5, KH: 3, KW: 3, padH: 1, padW: 1, groups: 5 }), // depthwise
  conv({ N: 1, C: 3, H: 5, W: 5, OC: 6, KH: 5, KW: 5, padH: 2, padW: 2, groups: 3, strideH: 2, strideW: 2 }),
  conv({ N: 3, C: 4, H: 4, W: 4, OC: 2, KH: 1, KW: 1 }),
];

test('reference conv2d equals a naive scatter-form convolution', () => {
  const rng = new Rng(11);
  for (const g of convCases) {
    const s = convSize(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), y = new Float32Array(s.y);
    R.conv2d(g, x, w, y);
    assertClose(y, naiveConv(g, x, w), `conv ${JSON.stringify(g)}`, 1e-6);
  }
});

function checkConvAdjoint(k: Kernels, g: ConvGeometry, rng: Rng): void {
  const s = convSize(g);
  const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
  const y = new Float32Array(s.y), dx = new Float32Array(s.x), dw = new Float32Array(s.w);
  k.conv2d(g, x, w, y);
  k.conv2dBackwardInput(g, dy, w, dx);
  k.conv2dBackwardFilter(g, x, dy, dw);
  const a = dot(y, dy), b = dot(x, dx), c = dot(w, dw);
  const scale = Math.sqrt(s.y) * 10;
  assert.ok(Math.abs(a - b) < 1e-4 * scale, `${k.name} <conv(x,w),dy>=${a} vs <x,dx>=${b} for ${JSON.stringify(g)}`);
  assert.ok(Math.abs(a - c) < 1e-4 * scale, `${k.name} <conv(x,w),dy>=${a} vs <w,dw>=${c} for ${JSON.stringify(g)}`);
}

test('conv backward kernels are the adjoints of conv2d (reference and wasm)', () => {
  const rng = new Rng(12);
  for (const g of convCases) {
    checkConvAdjoint(R, g, rng);
    checkConvAdjoint(W, g, rng);
  }
});

test('conv filter gradient matches central finite differences of a scalar loss', () => {
  const rng = new Rng(13);
  const g = conv({ N: 2, C: 2, H: 5, W: 5, OC: 2, KH: 3, KW: 3, padH: 1, padW: 1, strideH: 2, strideW: 1 });
  const s = convSize(g);
  const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
  const y = new Float32Array(s.y), dw = new Float32Array(s.w), dx = new Float32Array(s.x);
  const loss = (xx: Float32Array, ww: Float32Array) => { R.conv2d(g, xx, ww, y); return dot(y, dy); };
  R.conv2dBackwardFilter(g, x, dy, dw);
  R.conv2dBackwardInput(g, dy, w, dx);
  const h = 1e-2; // loss is linear in each argument, so the difference is exact up to rounding
  for (const i of [0, 5, 17, s.w - 1]) {
    const wp = w.slice(), wm = w.slice();
    wp[i] += h; wm[i] -= h;
    assert.ok(Math.abs((loss(x, wp) - loss(x, wm)) / (2 * h) - dw[i]) < 2e-3, `dw[${i}]`);
  }
  for (const i of [0, 7, 31, s.x - 1]) {
    const xp = x.slice(), xm = x.slice();
    xp[i] += h; xm[i] -= h;
    assert.ok(Math.abs((loss(xp, w) - loss(xm, w)) / (2 * h) - dx[i]) < 2e-3, `dx[${i}]`);
  }
});

test('pooling: known values, argmax ties (first wins), padding never wins, avg divisor counts padding', () => {
  for (const k of [R, W]) {
    const g = pool({ N: 1, C: 1, H: 3, W: 3, KH: 2, KW: 2, strideH: 1, strideW: 1, padH: 1, padW: 1 });
    assert.deepEqual([g.OH, g.OW], [4, 4]);
    const x = Float32Array.from([-1, -2, -3, -4, -5, -6, -7, -8, -9]);
    const y = new Float32Array(16), am = new Int32Array(16);
    k.maxPool2d(g, x, y, am);
    // Corner window holds three padding cells and x[0] = −1: padding (treated as −∞) never wins.
    assert.equal(y[0], -1, `${k.name}`);
    assert.equal(am[0], 0);
    assert.equal(am[15], 8);
    const t = pool({ N: 1, C: 1, H: 2, W: 4, KH: 2, KW: 2 });
    const yt = new Float32Array(2), at = new Int32Array(2);
    k.maxPool2d(t, Float32Array.from([1, 5, 5, 2, 5, 0, 2, 5]), yt, at);
    assert.deepEqual([...at], [1, 2]);
    const ya = new Float32Array(16);
    k.avgPool2d(g, x, ya);
    assert.equal(ya[0], -1 / 4, `${k.name} avg divisor includes padding`);
    assertClose(ya.subarray(5, 6), [(-1 - 2 - 4 - 5) / 4], 'avg');
  }
});

test('pool backward kernels are adjoints of the forward (reference and wasm)', () => {
  const rng = new Rng(14);
  const cases = [
    pool({ N: 2, C: 3, H: 8, W: 8, KH: 2, KW: 2 }),
    pool({ N: 1, C: 2, H: 9, W: 7, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
    pool({ N: 1, C: 2, H: 8, W: 7, KH: 3, KW: 2, strideH: 2, strideW: 2 }, true),
  ];
  for (const k of [R, W]) {
    for (const g of cases) {
      const nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OH * g.OW;
      const x = randn(rng, nx), dy = randn(rng, ny);
      const y = new Float32Array(ny), am = new Int32Array(ny), dx = new Float32Array(nx);
      k.maxPool2d(g, x, y, am);
      k.maxPool2dBackward(g, dy, am, dx);
      assert.ok(Math.abs(dot(y, dy) - dot(x, dx)) < 1e-4 * ny, `${k.name} max ${JSON.stringify(g)}`);
      // Finite difference on a distinct-valued input: moving an argmax moves its output 1:1.
      const i = am[0];
      const xp = x.slice(); xp[i] += 1e-3;
      const yp = new Float32Array(ny);
      k.maxPool2d(g, xp, yp, new Int32Array(ny));
      assert.ok(Math.abs((dot(yp, dy) - dot(y, dy)) / 1e-3 - dx[i]) < 1e-2, `${k.name} max fd`);
      k.avgPool2d(g, x, y);
      k.avgPool2dBackward(g, dy, dx);
      assert.ok(Math.abs(dot(y, dy) - dot(x, dx)) < 1e-4 * ny, `${k.name} avg ${JSON.stringify(g)}`);
    }
  }
});

function signs(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.bernoulli(0.5) ? 1 : -1;
  return a;
}

test('bgemm equals float sgemm on ±1 values exactly, for K on and off word boundaries', () => {
  const rng = new Rng(15);
  for (const k of [R, W]) {
    for (const [M, N, K] of [[1, 1, 1], [5, 3, 31], [4, 2, 32], [7, 9, 33], [9, 6, 64], [6, 5, 65], [3, 4, 100], [13, 11, 200]]) {
      const a = signs(rng, M * K), b = signs(rng, N * K);
      const pa = new Uint32Array(M * packedWords(K)), pb = new Uint32Array(N * packedWords(K));
      k.packSigns(a, M, K, pa);
      k.packSigns(b, N, K, pb);
      const c = new Int32Array(M * N), f = new Float32Array(M * N);
      k.bgemm(M, N, K, pa, pb, c);
      R.sgemm(false, true, M, N, K, a, b, f, false);
      assert.deepEqual([...c], [...f], `${k.name} bgemm ${M}x${N}x${K}`);
    }
  }
});

test('packSigns layout, padding bits zero, unpack round trip and popcountRows', () => {
  const rng = new Rng(16);
  for (const k of [R, W]) {
    const one = Float32Array.from([1, -1, 0, -0, -2, 3]);
    const p = new Uint32Array(2);
    k.packSigns(one, 1, 6, p);
    assert.deepEqual([...p], [0b101101, 0], `${k.name}: x ≥ 0 (incl. −0) → 1, LSB first`);
    for (const cols of [1, 31, 32, 33, 63, 64, 65, 129]) {
      const rows = 3;
      const x = randn(rng, rows * cols);
      const words = packedWords(cols);
      const packed = new Uint32Array(rows * words).fill(0xffffffff);
      k.packSigns(x, rows, cols, packed);
      for (let r = 0; r < rows; r++) {
        for (let j = cols; j < words * 32; j++) {
          assert.equal((packed[r * words + (j >>> 5)] >>> (j & 31)) & 1, 0, `${k.name} padding bit ${j} of ${cols}`);
        }
      }
      const back = new Float32Array(rows * cols);
      k.unpackSigns(packed, rows, cols, back);
      assert.deepEqual([...back], [...x].map((v) => (v >= 0 ? 1 : -1)));
      const counts = new Int32Array(rows);
      k.popcountRows(packed, rows, cols, counts);
      for (let r = 0; r < rows; r++) {
        assert.equal(counts[r], x.subarray(r * cols, (r + 1) * cols).filter((v) => v >= 0).length);
      }
    }
  }
});

test('kernels reject arrays that do not match the geometry, naming kernel and sizes', () => {
  for (const k of [R, W]) {
    assert.throws(() => k.sgemm(false, false, 2, 3, 4, new Float32Array(8), new Float32Array(11), new Float32Array(6), false),
      /sgemm: B has length 11, expected 12 for M=2 N=3 K=4/);
    const g = conv({ N: 1, C: 2, H: 5, W: 5, OC: 3, KH: 3, KW: 3 });
    assert.throws(() => k.conv2d(g, new Float32Array(50), new Float32Array(53), new Float32Array(27)), /conv2d: w has length 53, expected 54/);
    assert.throws(() => k.conv2d({ ...g, OH: 4 }, new Float32Array(50), new Float32Array(54), new Float32Array(27)), /conv2d: output size 4x3/);
    assert.throws(() => k.conv2d({ ...g, groups: 2 }, new Float32Array(50), new Float32Array(27), new Float32Array(27)), /divisible by groups/);
    const pg = pool({ N: 1, C: 1, H: 4, W: 4, KH: 2, KW: 2 });
    assert.throws(() => k.maxPool2d(pg, new Float32Array(16), new Float32Array(4), new Int32Array(3)), /maxPool2d: argmax has length 3/);
    assert.throws(() => k.bgemm(2, 2, 65, new Uint32Array(4), new Uint32Array(8), new Int32Array(4)), /bgemm: A has length 4, expected 8 for M=2 N=2 K=65/);
    assert.throws(() => k.popcountRows(new Uint32Array(2), 1, 64, new Int32Array(2)), /popcountRows: dst has length 2/);
  }
});
