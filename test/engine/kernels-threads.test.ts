// The threaded wasm backend: bit-identical to one thread on shapes large enough to be split, and
// its workers never keep the process alive.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/engine/random.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { getKernels, setThreads, useReferenceKernels } from '../../src/engine/kernels/index.js';
import { packedWords, type Kernels } from '../../src/engine/kernels/types.js';
import { assertBitEqual, conv, convSize, pool, randn, randomBconv } from './kernels-helpers.js';

const one = createWasmKernels();
const two = await createThreadedWasmKernels(2);
after(() => two.dispose());

function both(run: (k: Kernels) => Float32Array | Int32Array | Uint32Array, what: string): void {
  assertBitEqual(run(two), run(one), what);
}

test('threaded sgemm is bit-identical to one thread (all transposes, accumulate, both split axes)', () => {
  const rng = new Rng(31);
  for (const [M, N, K] of [[301, 203, 257], [67, 700, 301], [288, 64, 1100]]) {
    const A = randn(rng, M * K), B = randn(rng, K * N), C0 = randn(rng, M * N);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const acc of [false, true]) {
        both((k) => { const C = C0.slice(); k.sgemm(ta, tb, M, N, K, A, B, C, acc); return C; }, `sgemm ${M}x${N}x${K} ${ta} ${tb} ${acc}`);
      }
    }
  }
});

test('threaded conv2d fwd/bwd is bit-identical to one thread', () => {
  const rng = new Rng(32);
  for (const g of [
    conv({ N: 16, C: 32, H: 13, W: 13, OC: 64, KH: 3, KW: 3 }),
    conv({ N: 5, C: 12, H: 40, W: 40, OC: 24, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 3 }),
    conv({ N: 8, C: 64, H: 24, W: 24, OC: 64, KH: 3, KW: 3, padH: 1, padW: 1, groups: 64 }),
  ]) {
    const s = convSize(g), what = JSON.stringify(g);
    const x = randn(rng, s.x), w = randn(rng, s.w), dy = randn(rng, s.y);
    both((k) => { const y = new Float32Array(s.y); k.conv2d(g, x, w, y); return y; }, `conv2d ${what}`);
    both((k) => { const dx = new Float32Array(s.x); k.conv2dBackwardInput(g, dy, w, dx); return dx; }, `bwd input ${what}`);
    both((k) => { const dw = new Float32Array(s.w); k.conv2dBackwardFilter(g, x, dy, dw); return dw; }, `bwd filter ${what}`);
  }
});

test('threaded pooling and bit kernels are bit-identical to one thread', () => {
  const rng = new Rng(33);
  const g = pool({ N: 8, C: 32, H: 48, W: 48, KH: 3, KW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 });
  const nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OH * g.OW;
  const x = randn(rng, nx), dy = randn(rng, ny);
  const am = new Int32Array(ny);
  one.maxPool2d(g, x, new Float32Array(ny), am);
  both((k) => { const y = new Float32Array(ny), a = new Int32Array(ny); k.maxPool2d(g, x, y, a); return a; }, 'argmax');
  both((k) => { const dx = new Float32Array(nx); k.maxPool2dBackward(g, dy, am, dx); return dx; }, 'maxPool2dBackward');
  both((k) => { const y = new Float32Array(ny); k.avgPool2d(g, x, y); return y; }, 'avgPool2d');
  both((k) => { const dx = new Float32Array(nx); k.avgPool2dBackward(g, dy, dx); return dx; }, 'avgPool2dBackward');
  const M = 64, N = 1024, K = 4608, words = packedWords(K);
  const a = randn(rng, M * K), b = randn(rng, N * K);
  const pa = new Uint32Array(M * words), pb = new Uint32Array(N * words);
  one.packSigns(a, M, K, pa);
  one.packSigns(b, N, K, pb);
  both((k) => { const p = new Uint32Array(N * words); k.packSigns(b, N, K, p); return p; }, 'packSigns');
  both((k) => { const c = new Int32Array(M * N); k.bgemm(M, N, K, pa, pb, c); return c; }, 'bgemm');
  both((k) => { const u = new Float32Array(N * K); k.unpackSigns(pb, N, K, u); return u; }, 'unpackSigns');
});

test('threaded bconv (packed binary conv) is bit-identical to one thread', () => {
  const rng = new Rng(35);
  for (const q of [
    { n: 64, C: 64, H: 14, W: 14, OC: 128, K: 3, pad: 1 },
    { n: 32, C: 96, H: 16, W: 16, OC: 192, K: 3, pad: 1, groups: 3 },
    { n: 64, C: 128, H: 3, W: 3, OC: 128, K: 3, groups: 128 },
  ]) {
    const p = randomBconv(rng, q);
    both((k) => { const o = p.bits(); k.bconv(p.g, p.x, p.w, p.thresholds, o); return o; }, `bconv bits ${JSON.stringify(q)}`);
    both((k) => { const o = p.scores(); k.bconv(p.g, p.x, p.w, null, o); return o; }, `bconv scores ${JSON.stringify(q)}`);
  }
});

test('setThreads installs a threaded backend and replaces (disposing) it', async () => {
  await setThreads(2);
  const k = getKernels();
  assert.equal(k.name, 'wasm');
  const C = new Float32Array(4);
  k.sgemm(false, false, 2, 2, 1, Float32Array.from([1, 2]), Float32Array.from([3, 4]), C, false);
  assert.deepEqual([...C], [3, 4, 6, 8]);
  await setThreads(1);
  assert.equal(getKernels().name, 'wasm');
  useReferenceKernels();
  assert.equal(getKernels().name, 'reference');
  await assert.rejects(setThreads(0), /setThreads: n must be an integer/);
});

// The worker pool must never keep Node alive: neither after dispose() nor when dispose is forgotten.
const wasmUrl = new URL('../../src/engine/kernels/wasm.js', import.meta.url).href;
for (const dispose of [true, false]) {
  test(`a process using 2 threads exits on its own (${dispose ? 'after dispose' : 'dispose forgotten'})`, async () => {
    const script = `
      const { createThreadedWasmKernels } = await import(${JSON.stringify(wasmUrl)});
      const k = await createThreadedWasmKernels(2);
      const n = 256, a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
      k.sgemm(false, false, n, n, n, a, a, c, false);
      if (c[0] !== n) throw new Error('bad result ' + c[0]);
      ${dispose ? 'k.dispose();' : ''}
      console.log('done');`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000, cwd: fileURLToPath(new URL('.', import.meta.url)) },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.equal(out.trim(), 'done');
  });
}
