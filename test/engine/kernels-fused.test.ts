// The fused glue kernels (conv bias, one-pass conv backward, batch norm, ReLU, the 2×2 max-pool fast
// path, the Adam step): wasm against the reference twin, and 1 thread against 2 threads bit for bit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import type { ConvGeometry, Kernels } from '../../src/engine/kernels/types.js';
import { assertBitEqual, assertClose, conv, convSize, pool, randn } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
after(() => W2.dispose());

interface ConvGrads { dx: Float32Array | null; dw: Float32Array | null; db: Float32Array | null }

function convBackward(k: Kernels, g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array, want: [boolean, boolean, boolean]): ConvGrads {
  const s = convSize(g);
  // NaN-filled outputs: a kernel that skips an element cannot pass.
  const fill = (n: number, on: boolean) => (on ? new Float32Array(n).fill(Number.NaN) : null);
  const r = { dx: fill(s.x, want[0]), dw: fill(s.w, want[1]), db: fill(g.OC, want[2]) };
  k.conv2dBackward(g, x, w, dy, r.dx, r.dw, r.db);
  return r;
}

const GEOMETRIES = [
  conv({ N: 3, C: 2, H: 9, W: 8, OC: 5, KH: 3, KW: 3 }),
  conv({ N: 7, C: 1, H: 28, W: 28, OC: 32, KH: 3, KW: 3 }), // the small CNN's first layer (9 filter columns)
  conv({ N: 5, C: 6, H: 11, W: 7, OC: 6, KH: 3, KW: 2, strideH: 2, strideW: 1, padH: 1, padW: 1, groups: 3 }),
  conv({ N: 2, C: 4, H: 40, W: 35, OC: 8, KH: 3, KW: 3, padH: 1, padW: 1, groups: 4 }), // one-image chunks, depthwise
  conv({ N: 9, C: 8, H: 6, W: 6, OC: 12, KH: 1, KW: 1, strideH: 2, strideW: 2 }),
];

test('conv2d with bias: wasm equals reference, and bias is added after the sum', () => {
  const rng = new Rng(41);
  for (const g of GEOMETRIES) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), b = randn(rng, g.OC);
    const y1 = new Float32Array(s.y), y2 = new Float32Array(s.y).fill(Number.NaN), y0 = new Float32Array(s.y);
    R.conv2d(g, x, w, y1, b); W.conv2d(g, x, w, y2, b); W.conv2d(g, x, w, y0);
    assertClose(y2, y1, `conv2d+bias ${what}`);
    const plane = g.OH * g.OW;
    // wasm: bias-added output = f32(no-bias output + bias), exactly.
    for (let i = 0; i < s.y; i++) assert.equal(y2[i], Math.fround(y0[i] + b[Math.floor(i / plane) % g.OC]), `${what} element ${i}`);
  }
});

test('conv2dBackward: every combination of wanted gradients equals the reference', () => {
  const rng = new Rng(42);
  for (const g of GEOMETRIES) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
    const ref = convBackward(R, g, x, w, dy, [true, true, true]);
    for (const want of [[true, true, true], [false, true, true], [true, false, false], [false, false, true], [false, true, false]] as [boolean, boolean, boolean][]) {
      const got = convBackward(W, g, x, w, dy, want);
      if (want[0]) assertClose(got.dx!, ref.dx!, `dx ${what}`);
      if (want[1]) assertClose(got.dw!, ref.dw!, `dw ${what}`);
      if (want[2]) assertClose(got.db!, ref.db!, `db ${what}`);
      assert.equal(got.dx === null, !want[0]);
    }
    const legacy = new Float32Array(s.x);
    W.conv2dBackwardInput(g, dy, w, legacy);
    assertBitEqual(convBackward(W, g, x, w, dy, [true, false, false]).dx!, legacy, `dx equals conv2dBackwardInput ${what}`);
  }
});

test('conv2dBackward and conv2d+bias are bit-identical on 1 and 2 threads', () => {
  const rng = new Rng(43);
  for (const g of [conv({ N: 64, C: 1, H: 28, W: 28, OC: 32, KH: 3, KW: 3 }), conv({ N: 32, C: 32, H: 13, W: 13, OC: 64, KH: 3, KW: 3 }),
    conv({ N: 16, C: 16, H: 16, W: 16, OC: 32, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
    // A small map: all 64 images fit one chunk, so the filter gradient is split over its rows.
    conv({ N: 64, C: 64, H: 4, W: 4, OC: 32, KH: 3, KW: 3, padH: 1, padW: 1 })]) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y), b = randn(rng, g.OC);
    const a = convBackward(W, g, x, w, dy, [true, true, true]), c = convBackward(W2, g, x, w, dy, [true, true, true]);
    assertBitEqual(c.dx!, a.dx!, `dx ${what}`);
    assertBitEqual(c.dw!, a.dw!, `dw ${what}`);
    assertBitEqual(c.db!, a.db!, `db ${what}`);
    const y1 = new Float32Array(s.y), y2 = new Float32Array(s.y);
    W.conv2d(g, x, w, y1, b); W2.conv2d(g, x, w, y2, b);
    assertBitEqual(y2, y1, `conv2d+bias ${what}`);
  }
});

function batchNormCase(k: Kernels, N: number, C: number, P: number, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
  training: boolean, dy: Float32Array, stats?: { mean: Float32Array; invStd: Float32Array }) {
  const mean = stats ? stats.mean.slice() : new Float32Array(C), invStd = stats ? stats.invStd.slice() : new Float32Array(C);
  const variance = new Float32Array(C), y = new Float32Array(x.length).fill(Number.NaN);
  k.batchNormForward(N, C, P, x, gamma, beta, 1e-5, training, mean, variance, invStd, y);
  const dx = new Float32Array(x.length).fill(Number.NaN), dg = new Float32Array(C).fill(Number.NaN), db = new Float32Array(C).fill(Number.NaN);
  k.batchNormBackward(N, C, P, x, dy, mean, invStd, gamma, training, dx, gamma ? dg : null, beta ? db : null);
  return { mean, variance, invStd, y, dx, dg, db };
}

test('batch norm forward/backward: wasm equals reference (train and eval, with and without affine, odd planes)', () => {
  const rng = new Rng(44);
  for (const [N, C, P] of [[4, 3, 7], [8, 5, 1], [2, 16, 64], [3, 1, 33], [16, 7, 13]]) {
    const x = randn(rng, N * C * P).map((v, i) => v * 3 + (i % 5)), dy = randn(rng, N * C * P);
    for (const affine of [true, false]) {
      const gamma = affine ? randn(rng, C) : null, beta = affine ? randn(rng, C) : null;
      for (const training of [true, false]) {
        const what = `N=${N} C=${C} P=${P} affine=${affine} training=${training}`;
        const stats = training ? undefined : { mean: randn(rng, C), invStd: Float32Array.from(randn(rng, C), (v) => 0.5 + Math.abs(v)) };
        const r = batchNormCase(R, N, C, P, x, gamma, beta, training, dy, stats);
        const w = batchNormCase(W, N, C, P, x, gamma, beta, training, dy, stats);
        for (const key of ['mean', 'invStd', 'y', 'dx'] as const) assertClose(w[key], r[key], `${key} ${what}`, 2e-4);
        if (training) assertClose(w.variance, r.variance, `variance ${what}`, 2e-4);
        if (affine) {
          assertClose(w.dg, r.dg, `dgamma ${what}`, 2e-4);
          assertClose(w.db, r.db, `dbeta ${what}`, 2e-4);
        }
      }
    }
  }
});

test('batch norm, ReLU and 2×2 max pooling are bit-identical on 1 and 2 threads', () => {
  const rng = new Rng(45);
  const N = 64, C = 16, P = 32 * 32;
  const x = randn(rng, N * C * P), dy = randn(rng, N * C * P), gamma = randn(rng, C), beta = randn(rng, C);
  const a = batchNormCase(W, N, C, P, x, gamma, beta, true, dy), b = batchNormCase(W2, N, C, P, x, gamma, beta, true, dy);
  for (const key of ['mean', 'variance', 'invStd', 'y', 'dx', 'dg', 'db'] as const) assertBitEqual(b[key], a[key], `batchNorm ${key}`);
  const y1 = new Float32Array(x.length), y2 = new Float32Array(x.length);
  W.relu(x, y1); W2.relu(x, y2);
  assertBitEqual(y2, y1, 'relu');
  const g1 = new Float32Array(x.length), g2 = new Float32Array(x.length);
  W.reluBackward(y1, dy, g1); W2.reluBackward(y1, dy, g2);
  assertBitEqual(g2, g1, 'reluBackward');
  const pg = pool({ N, C, H: 32, W: 32, KH: 2, KW: 2 });
  const ny = N * C * 16 * 16;
  const p1 = new Float32Array(ny), p2 = new Float32Array(ny), i1 = new Int32Array(ny), i2 = new Int32Array(ny);
  W.maxPool2d(pg, x, p1, i1); W2.maxPool2d(pg, x, p2, i2);
  assertBitEqual(p2, p1, 'maxPool2d');
  assertBitEqual(i2, i1, 'maxPool2d argmax');
});

test('ReLU: wasm and reference agree bit for bit (NaN payloads aside), including −0, ±∞ and NaN', () => {
  const rng = new Rng(46);
  const special = [0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45, 3.4e38, -3.4e38];
  for (const n of [0, 1, 3, 4, 5, 17, 1001]) {
    const x = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : rng.normal()));
    const dy = randn(rng, n);
    const y1 = new Float32Array(n), y2 = new Float32Array(n).fill(7);
    R.relu(x, y1); W.relu(x, y2);
    // NaN payloads may differ between engines' max instructions; NaN-ness may not.
    const bits = (a: Float32Array) => a.map((v) => (Number.isNaN(v) ? 12345 : v));
    assertBitEqual(bits(y2), bits(y1), `relu n=${n}`);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(x[i])) assert.ok(Number.isNaN(y1[i]));
      else assert.ok(Object.is(y1[i], x[i] > 0 ? x[i] : 0), `relu(${x[i]}) = ${y1[i]}`);
    }
    const g1 = new Float32Array(n), g2 = new Float32Array(n).fill(7);
    R.reluBackward(y1, dy, g1); W.reluBackward(y1, dy, g2);
    assertBitEqual(g2, g1, `reluBackward n=${n}`);
  }
});

test('add (with and without the ReLU): wasm on 1 and 2 threads equals the reference and relu(a + b) bit for bit', () => {
  const rng = new Rng(48);
  const special = [0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45, 3.4e38, 3.4e38];
  const bits = (a: Float32Array) => a.map((v) => (Number.isNaN(v) ? 12345 : v));
  for (const n of [0, 1, 5, 17, 1001, 64 * 16 * 32 * 32]) {
    const a = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : rng.normal()));
    const b = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[special.length - 1 - i] : rng.normal()));
    for (const relu of [false, true]) {
      const want = new Float32Array(n), sum = new Float32Array(n);
      for (let i = 0; i < n; i++) sum[i] = a[i] + b[i];
      if (relu) R.relu(sum, want); else want.set(sum);
      for (const k of [R, W, W2]) {
        const y = new Float32Array(n).fill(7);
        k.add(a, b, y, relu);
        assertBitEqual(bits(y), bits(want), `${k.name}${k === W2 ? ' 2 threads' : ''} add relu=${relu} n=${n}`);
      }
    }
  }
  for (const k of [R, W]) assert.throws(() => k.add(new Float32Array(3), new Float32Array(4), new Float32Array(3)), /add: b has length 4/);
});

test('scaleRows (batch-norm folding): wasm on 1 and 2 threads equals x[i]·scale[row] in f32, bit for bit', () => {
  const rng = new Rng(49);
  for (const [rows, per] of [[1, 1], [3, 5], [16, 27], [64, 576], [256, 2304], [7, 0]]) {
    const x = randn(rng, rows * per), scale = randn(rng, rows);
    const want = new Float32Array(x.length);
    for (let r = 0; r < rows; r++) for (let i = 0; i < per; i++) want[r * per + i] = Math.fround(x[r * per + i] * scale[r]);
    for (const k of [R, W, W2]) {
      const y = new Float32Array(x.length).fill(7);
      k.scaleRows(x, scale, y);
      assertBitEqual(y, want, `${k.name}${k === W2 ? ' 2 threads' : ''} scaleRows ${rows}×${per}`);
    }
  }
  for (const k of [R, W]) assert.throws(() => k.scaleRows(new Float32Array(10), new Float32Array(3), new Float32Array(10)), /scaleRows: x has length 10, not a multiple of scale's 3 rows/);
});

test('2×2 stride-2 max pooling (the SIMD fast path): exact argmax with ties, NaN, odd sizes and ceil mode', () => {
  const rng = new Rng(47);
  for (const [H, Wd, ceil] of [[26, 26, false], [11, 11, false], [9, 19, false], [2, 2, false], [7, 13, true], [5, 6, true]] as [number, number, boolean][]) {
    const g = pool({ N: 3, C: 5, H, W: Wd, KH: 2, KW: 2 }, ceil);
    const nx = g.N * g.C * H * Wd, ny = g.N * g.C * g.OH * g.OW;
    for (const kind of ['ties', 'normal', 'nan']) {
      const x = Float32Array.from({ length: nx }, () => (kind === 'ties' ? rng.int(2) : rng.normal()));
      if (kind === 'nan') for (let i = 0; i < nx; i += 7) x[i] = Number.NaN;
      const y1 = new Float32Array(ny), y2 = new Float32Array(ny), a1 = new Int32Array(ny), a2 = new Int32Array(ny);
      R.maxPool2d(g, x, y1, a1); W.maxPool2d(g, x, y2, a2);
      const what = `${H}x${Wd} ceil=${ceil} ${kind}`;
      assertBitEqual(a2, a1, `argmax ${what}`);
      assertBitEqual(y2, y1, `max ${what}`);
      const y3 = new Float32Array(ny);
      W.maxPool2d(g, x, y3, null);
      assertBitEqual(y3, y1, `max without argmax ${what}`);
    }
  }
});

test('fused kernels reject mismatched arrays, naming the kernel and the array', () => {
  const g = conv({ N: 2, C: 3, H: 5, W: 5, OC: 4, KH: 3, KW: 3 });
  const s = convSize(g);
  const x = new Float32Array(s.x), w = new Float32Array(s.w), dy = new Float32Array(s.y);
  for (const k of [R, W]) {
    assert.throws(() => k.conv2d(g, x, w, new Float32Array(s.y), new Float32Array(3)), /conv2d: bias has length 3, expected 4/);
    assert.throws(() => k.conv2dBackward(g, x, w, dy, null, null, new Float32Array(5)), /conv2dBackward: db has length 5, expected 4/);
    assert.throws(() => k.relu(new Float32Array(3), new Float32Array(4)), /relu: y has length 4, x has 3/);
    assert.throws(() => k.batchNormForward(2, 3, 4, new Float32Array(24), null, null, 1e-5, true,
      new Float32Array(2), new Float32Array(3), new Float32Array(3), new Float32Array(24)), /batchNormForward: mean has length 2, expected 3/);
    assert.throws(() => k.batchNormBackward(2, 3, 4, new Float32Array(24), new Float32Array(20), new Float32Array(3), new Float32Array(3),
      null, true, null, null, null), /batchNormBackward: dy has length 20, expected 24/);
  }
});

test('adamStep (Adam and AdamW constants): wasm on 1 and 2 threads equals the reference loop bit for bit', () => {
  const rng = new Rng(47);
  for (const n of [1, 7, 64, 100_003]) {
    for (const h of [
      { beta1: 0.9, beta2: 0.999, l2: 1e-4, decay: 1, stepSize: 1e-3 / (1 - 0.9 ** 3), sq: Math.sqrt(1 - 0.999 ** 3), eps: 1e-8 },
      { beta1: 0.5, beta2: 0.9, l2: 0, decay: 1 - 1e-2 * 0.01, stepSize: 1e-2 / (1 - 0.5), sq: Math.sqrt(1 - 0.9), eps: 1e-6 },
    ]) {
      const p = randn(rng, n), g = randn(rng, n), m = randn(rng, n), v = randn(rng, n).map(Math.abs);
      const ref = [p, g, m, v].map((a) => a.slice()), one = [p, g, m, v].map((a) => a.slice()), two = [p, g, m, v].map((a) => a.slice());
      R.adamStep(ref[0], ref[1], ref[2], ref[3], h);
      W.adamStep(one[0], one[1], one[2], one[3], h);
      W2.adamStep(two[0], two[1], two[2], two[3], h);
      for (const [k, name] of ['p', 'g', 'm', 'v'].entries()) {
        assertBitEqual(one[k], ref[k], `${name} (n = ${n}, 1 thread)`);
        assertBitEqual(two[k], ref[k], `${name} (n = ${n}, 2 threads)`);
      }
    }
  }
});
