// The SpikeGrad count kernels (spikeCounts, errorCounts, countStats): wasm on 1 and 2 threads gives
// the bits of the reference, which is the fast path's former TypeScript loop over forwardCount and
// errorCount (src/snn/ifNeuron.ts), on values chosen to break a float32 shortcut: quotients just
// below an integer, −0, thresholds that are not powers of two, counts beyond 2^24.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels as R } from '../../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { errorCount, forwardCount } from '../../src/snn/ifNeuron.js';
import { assertBitEqual } from './kernels-helpers.js';

const W = createWasmKernels();
const W2 = await createThreadedWasmKernels(2);
after(() => W2.dispose());
const kernels = [[R, 'reference'], [W, 'wasm'], [W2, 'wasm 2 threads']] as const;

/** Currents of every awkward kind for threshold theta, n values. */
function currents(rng: Rng, n: number, theta: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rng.int(7), m = rng.int(40) - 20;
    a[i] = k === 0 ? 0 : k === 1 ? -0 : k === 2 ? Math.fround(m * theta) // exact multiples
      : k === 3 ? Math.fround(m * theta - 1e-6) // just below one: a float32 quotient would round up
        : k === 4 ? rng.int(2) ? 3e7 : -3e7 // counts beyond 2^24
          : rng.normal(0, 20);
  }
  return a;
}

test('spikeCounts: ⌊I/Θ⌋ in f64 and the gate, as forwardCount, on every backend', () => {
  const rng = new Rng(91);
  for (const theta of [1, 0.5, 0.3, 3]) {
    for (const n of [1, 7, 1000, 70001]) {
      const I = currents(rng, n, theta);
      for (const inputGate of [true, false]) {
        const want = new Float32Array(n), wantGate = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          want[i] = forwardCount(I[i], theta);
          wantGate[i] = I[i] > 0 && (inputGate || want[i] > 0) ? 1 : 0;
        }
        for (const [k, name] of kernels) {
          const y = I.slice(), gate = new Uint8Array(n).fill(9);
          k.spikeCounts(y, gate, theta, inputGate);
          const what = `${name} Θ=${theta} n=${n} inputGate=${inputGate}`;
          assertBitEqual(y, want, what);
          assert.deepEqual(gate, wantGate, `${what}: gate`);
        }
      }
    }
  }
});

test('errorCounts: trunc or round of X/Θ in f64 where the gate is open, as errorCount, on every backend', () => {
  const rng = new Rng(92);
  for (const theta of [1, 0.5, 0.3, 3]) {
    for (const n of [1, 9, 70001]) {
      const X = currents(rng, n, theta);
      const gate = Uint8Array.from({ length: n }, () => (rng.int(4) ? 1 : 0));
      for (const q of ['trunc', 'round'] as const) {
        const want = new Float32Array(n);
        for (let i = 0; i < n; i++) want[i] = gate[i] ? errorCount(X[i], theta, q) : 0;
        for (const [k, name] of kernels) {
          const e = new Float32Array(n).fill(-5);
          k.errorCounts(X, gate, e, theta, q === 'round');
          assertBitEqual(e, want, `${name} Θ=${theta} n=${n} ${q}`);
        }
      }
    }
  }
});

test('countStats: Σ|v|, non-zero counts and Σ|v|·fan per row position, exactly, on every backend', () => {
  const rng = new Rng(93);
  for (const [rows, size] of [[1, 1], [3, 17], [64, 2048], [200, 331]]) {
    const v = Float32Array.from({ length: rows * size }, () => (rng.int(3) ? 0 : rng.int(41) - 20));
    const fans = Int32Array.from({ length: size }, () => rng.int(300));
    let sum = 0, nonzero = 0, weighted = 0;
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) { sum += Math.abs(v[i]); nonzero++; weighted += Math.abs(v[i]) * fans[i % size]; }
    for (const [k, name] of kernels) {
      assert.deepEqual(k.countStats(v, size, fans), { sum, nonzero, weighted }, `${name} ${rows}×${size}`);
      assert.deepEqual(k.countStats(v, size, null), { sum, nonzero, weighted: 0 }, `${name} ${rows}×${size} without fans`);
    }
  }
});

test('count kernels reject mismatched arrays, naming the kernel and the array', () => {
  for (const [k] of kernels) {
    assert.throws(() => k.spikeCounts(new Float32Array(4), new Uint8Array(3), 1, true), /spikeCounts: gate has length 3, y has 4/);
    assert.throws(() => k.errorCounts(new Float32Array(4), new Uint8Array(4), new Float32Array(5), 1, false), /errorCounts: e has length 5, y has 4/);
    assert.throws(() => k.countStats(new Float32Array(10), 3, null), /countStats: v has length 10, not a multiple of the row size 3/);
    assert.throws(() => k.countStats(new Float32Array(6), 3, new Int32Array(2)), /countStats: fans has length 2, the row size is 3/);
  }
});
