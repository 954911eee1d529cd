// The wasm backend against the reference oracle over many random shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createWasmKernels, kernelModule, WORKER_FUNCTIONS } from '../../src/engine/kernels/wasm.js';
import { packedWords, type ConvGeometry, type PoolGeometry } from '../../src/engine/kernels/types.js';
import { assertClose, conv, convSize, pool, randn, randomBconv } from './kernels-helpers.js';

const W = createWasmKernels();
const ODD = [1, 3, 7, 33, 65, 129];

test('the kernel module exports exactly the functions the host calls (asm/kernels.ts re-exports every family)', () => {
  const exported = WebAssembly.Module.exports(kernelModule());
  const fns = exported.filter((e) => e.kind === 'function').map((e) => e.name).sort();
  const host = [...WORKER_FUNCTIONS, 'gemmScratchBytes', 'convScratchBytes', 'bconvScratchBytes', 'winogradScratchBytes', 'xiStride', 'winogradGradScratchBytes', 'winograd4ScratchBytes', 'winograd4GradScratchBytes', 'gemmKc'].sort();
  assert.deepEqual(fns, host);
  assert.deepEqual(exported.filter((e) => e.kind !== 'function').map((e) => `${e.kind} ${e.name}`), ['memory memory']);
});

function checkSgemm(rng: Rng, M: number, N: number, K: number, ta: boolean, tb: boolean, acc: boolean): void {
  const A = randn(rng, M * K), B = randn(rng, K * N), C0 = randn(rng, M * N);
  const want = C0.slice(), got = C0.slice();
  R.sgemm(ta, tb, M, N, K, A, B, want, acc);
  W.sgemm(ta, tb, M, N, K, A, B, got, acc);
  assertClose(got, want, `sgemm ${M}x${N}x${K} transA=${ta} transB=${tb} acc=${acc}`);
}

test('sgemm: wasm equals reference on odd sizes, all transposes, accumulate on/off', () => {
  const rng = new Rng(21);
  for (let i = 0; i < 60; i++) {
    const M = ODD[rng.int(ODD.length)], N = ODD[rng.int(ODD.length)], K = ODD[rng.int(ODD.length)];
    checkSgemm(rng, M, N, K, rng.bernoulli(0.5), rng.bernoulli(0.5), rng.bernoulli(0.5));
  }
});

test('sgemm: shapes that cross every blocking boundary (MC=128, KC=256, NC=512) and degenerate ones', () => {
  const rng = new Rng(22);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    checkSgemm(rng, 131, 517, 259, ta, tb, false);
    checkSgemm(rng, 257, 9, 515, ta, tb, true);
  }
  // K = 0: C becomes 0, or stays as it was when accumulating.
  const C = Float32Array.from([1, 2, 3, 4, 5, 6]);
  W.sgemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C, true);
  assert.deepEqual([...C], [1, 2, 3, 4, 5, 6]);
  W.sgemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C, false);
  assert.deepEqual([...C], [0, 0, 0, 0, 0, 0]);
});

function randomConv(rng: Rng): ConvGeometry {
  const groups = [1, 1, 2, 3][rng.int(4)];
  const depthwise = rng.bernoulli(0.2);
  const Cg = 1 + rng.int(3);
  const C = depthwise ? Cg * 2 : Cg * groups;
  const KH = 1 + rng.int(4), KW = 1 + rng.int(4);
  const p = {
    N: 1 + rng.int(3), C, H: KH + rng.int(10), W: KW + rng.int(10), KH, KW,
    OC: depthwise ? C * (1 + rng.int(2)) : groups * (1 + rng.int(4)), groups: depthwise ? C : groups,
    strideH: 1 + rng.int(3), strideW: 1 + rng.int(3), padH: rng.int(3), padW: rng.int(3),
    dilationH: 1 + rng.int(2), dilationW: 1 + rng.int(2),
  };
  const g = conv(p);
  return g.OH >= 1 && g.OW >= 1 ? g : randomConv(rng);
}

function checkConv(rng: Rng, g: ConvGeometry): void {
  const s = convSize(g), what = JSON.stringify(g);
  const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
  const y1 = new Float32Array(s.y), y2 = new Float32Array(s.y).fill(Number.NaN);
  R.conv2d(g, x, w, y1); W.conv2d(g, x, w, y2);
  assertClose(y2, y1, `conv2d ${what}`);
  const dx1 = new Float32Array(s.x), dx2 = new Float32Array(s.x).fill(Number.NaN);
  R.conv2dBackwardInput(g, dy, w, dx1); W.conv2dBackwardInput(g, dy, w, dx2);
  assertClose(dx2, dx1, `conv2dBackwardInput ${what}`);
  const dw1 = new Float32Array(s.w), dw2 = new Float32Array(s.w).fill(Number.NaN);
  R.conv2dBackwardFilter(g, x, dy, dw1); W.conv2dBackwardFilter(g, x, dy, dw2);
  assertClose(dw2, dw1, `conv2dBackwardFilter ${what}`);
}

test('conv2d fwd/bwd: wasm equals reference on random stride/pad/dilation/groups/depthwise', () => {
  const rng = new Rng(23);
  for (let i = 0; i < 80; i++) checkConv(rng, randomConv(rng));
});

test('conv2d: one-image chunks (large output planes), multi-image chunks and the small-CNN shape', () => {
  const rng = new Rng(24);
  checkConv(rng, conv({ N: 2, C: 3, H: 50, W: 47, OC: 5, KH: 3, KW: 3, padH: 1, padW: 1 }));
  checkConv(rng, conv({ N: 70, C: 2, H: 6, W: 6, OC: 3, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }));
  checkConv(rng, conv({ N: 4, C: 32, H: 13, W: 13, OC: 64, KH: 3, KW: 3 }));
  checkConv(rng, conv({ N: 3, C: 8, H: 10, W: 10, OC: 16, KH: 3, KW: 3, padH: 1, padW: 1, groups: 8 }));
});

function randomPool(rng: Rng): PoolGeometry {
  const KH = 1 + rng.int(4), KW = 1 + rng.int(4);
  return pool({
    N: 1 + rng.int(3), C: 1 + rng.int(4), H: KH + rng.int(9), W: KW + rng.int(9), KH, KW,
    strideH: 1 + rng.int(3), strideW: 1 + rng.int(3), padH: rng.int(Math.floor(KH / 2) + 1), padW: rng.int(Math.floor(KW / 2) + 1),
  }, rng.bernoulli(0.3));
}

test('pooling: wasm equals reference (argmax exactly, including ties) with padding and ceil mode', () => {
  const rng = new Rng(25);
  for (let i = 0; i < 80; i++) {
    const g = randomPool(rng), what = JSON.stringify(g);
    const nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OH * g.OW;
    // Half the cases draw from a few integers so windows contain ties.
    const x = i % 2 ? randn(rng, nx) : Float32Array.from({ length: nx }, () => rng.int(3) - 1);
    const dy = randn(rng, ny);
    const y1 = new Float32Array(ny), y2 = new Float32Array(ny), a1 = new Int32Array(ny), a2 = new Int32Array(ny);
    R.maxPool2d(g, x, y1, a1); W.maxPool2d(g, x, y2, a2);
    assert.deepEqual([...a2], [...a1], `argmax ${what}`);
    assert.deepEqual([...y2], [...y1], `max ${what}`);
    // Without indices (inference), the same maxima on both backends.
    const y3 = new Float32Array(ny).fill(Number.NaN), y4 = new Float32Array(ny).fill(Number.NaN);
    R.maxPool2d(g, x, y3, null); W.maxPool2d(g, x, y4, null);
    assert.deepEqual([...y3], [...y1], `max without argmax, reference ${what}`);
    assert.deepEqual([...y4], [...y1], `max without argmax, wasm ${what}`);
    const dx1 = new Float32Array(nx), dx2 = new Float32Array(nx).fill(Number.NaN);
    R.maxPool2dBackward(g, dy, a1, dx1); W.maxPool2dBackward(g, dy, a1, dx2);
    assertClose(dx2, dx1, `maxPool2dBackward ${what}`);
    R.avgPool2d(g, x, y1); W.avgPool2d(g, x, y2);
    assertClose(y2, y1, `avgPool2d ${what}`);
    R.avgPool2dBackward(g, dy, dx1); W.avgPool2dBackward(g, dy, dx2);
    assertClose(dx2, dx1, `avgPool2dBackward ${what}`);
  }
});

test('3-wide stride-2 max pooling (as in the ImageNet stem; four windows per SIMD step) equals reference exactly, ties included', () => {
  const rng = new Rng(27);
  for (const [H, Wd, KH, sh, ph, pw] of [[32, 32, 3, 2, 1, 1], [17, 23, 3, 2, 1, 1], [20, 31, 3, 2, 0, 0], [9, 40, 2, 1, 0, 1], [13, 26, 3, 3, 1, 1]]) {
    const g = pool({ N: 2, C: 3, H, W: Wd, KH, KW: 3, strideH: sh, strideW: 2, padH: ph, padW: pw }), what = JSON.stringify(g);
    const n = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OH * g.OW;
    for (const x of [Float32Array.from({ length: n }, () => rng.int(3) - 1), randn(rng, n)]) {
      const y1 = new Float32Array(ny), y2 = new Float32Array(ny), a1 = new Int32Array(ny), a2 = new Int32Array(ny);
      R.maxPool2d(g, x, y1, a1); W.maxPool2d(g, x, y2, a2);
      assert.deepEqual([...a2], [...a1], `argmax ${what}`);
      assert.deepEqual([...y2], [...y1], `max ${what}`);
      const y3 = new Float32Array(ny).fill(Number.NaN);
      W.maxPool2d(g, x, y3, null);
      assert.deepEqual([...y3], [...y1], `max without argmax ${what}`);
    }
  }
});

test('bit kernels: wasm equals reference exactly on random shapes', () => {
  const rng = new Rng(26);
  for (let i = 0; i < 40; i++) {
    const M = 1 + rng.int(13), N = 1 + rng.int(11), K = 1 + rng.int(300);
    const words = packedWords(K);
    const a = randn(rng, M * K), b = randn(rng, N * K);
    const pa1 = new Uint32Array(M * words), pa2 = new Uint32Array(M * words), pb = new Uint32Array(N * words);
    R.packSigns(a, M, K, pa1); W.packSigns(a, M, K, pa2);
    assert.deepEqual([...pa2], [...pa1], `packSigns ${M}x${K}`);
    R.packSigns(b, N, K, pb);
    const c1 = new Int32Array(M * N), c2 = new Int32Array(M * N);
    R.bgemm(M, N, K, pa1, pb, c1); W.bgemm(M, N, K, pa1, pb, c2);
    assert.deepEqual([...c2], [...c1], `bgemm ${M}x${N}x${K}`);
    const u1 = new Float32Array(M * K), u2 = new Float32Array(M * K);
    R.unpackSigns(pa1, M, K, u1); W.unpackSigns(pa1, M, K, u2);
    assert.deepEqual([...u2], [...u1], `unpackSigns ${M}x${K}`);
    const n1 = new Int32Array(M), n2 = new Int32Array(M);
    R.popcountRows(pa1, M, K, n1); W.popcountRows(pa1, M, K, n2);
    assert.deepEqual([...n2], [...n1], `popcountRows ${M}x${K}`);
  }
});

test('wasm memory is reused across calls (stays flat after the largest call)', () => {
  const w = createWasmKernels() as ReturnType<typeof createWasmKernels> & { memory: WebAssembly.Memory };
  const rng = new Rng(27);
  const A = randn(rng, 300 * 300), C = new Float32Array(300 * 300);
  w.sgemm(false, false, 300, 300, 300, A, A, C, false);
  const size = w.memory.buffer.byteLength;
  for (let i = 0; i < 20; i++) w.sgemm(i % 2 === 0, false, 300, 300, 300, A, A, C, i % 3 === 0);
  assert.equal(w.memory.buffer.byteLength, size);
});

test('bconv (packed binary conv): wasm equals reference exactly, threshold bits and scores, word copy and bit gather', () => {
  const rng = new Rng(27);
  for (let i = 0; i < 40; i++) {
    const groups = [1, 1, 2, 4][rng.int(4)], Cg = [1, 3, 8, 24, 32, 40, 64][rng.int(7)], OCg = 1 + rng.int(40), K = 1 + rng.int(3);
    const h = K + rng.int(6), w = K + rng.int(6), pad = rng.int(K), stride = 1 + rng.int(2), n = 1 + rng.int(6);
    const p = randomBconv(rng, { n, C: groups * Cg, H: h, W: w, OC: groups * OCg, K, stride, pad, groups });
    const what = JSON.stringify(p.g);
    const b1 = p.bits(), b2 = p.bits(), s1 = p.scores(), s2 = p.scores();
    R.bconv(p.g, p.x, p.w, p.thresholds, b1); W.bconv(p.g, p.x, p.w, p.thresholds, b2);
    assert.deepEqual([...b2], [...b1], `bconv bits ${what}`);
    R.bconv(p.g, p.x, p.w, null, s1); W.bconv(p.g, p.x, p.w, null, s2);
    assert.deepEqual([...s2], [...s1], `bconv scores ${what}`);
  }
  const p = randomBconv(rng, { n: 2, C: 8, H: 5, W: 5, OC: 4, K: 3 });
  for (const k of [R, W]) {
    assert.throws(() => k.bconv(p.g, p.x.subarray(1), p.w, null, p.scores()), /bconv: x has length 49, expected 50/);
    assert.throws(() => k.bconv(p.g, p.x, p.w, null, p.bits()), /bconv: out has length \d+, expected 72/);
    assert.throws(() => k.bconv(p.g, p.x, p.w, p.thresholds, new Int32Array(18)), /out must be a Uint32Array with thresholds/);
  }
});
