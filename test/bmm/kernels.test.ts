// The wasm kernels against the plain-TypeScript twin (bit-identical sums) and both against a naive
// per-bit oracle, over ragged bit widths (tail bytes, padding words) and 1…7 lanes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { referenceKernels } from '../../src/bmm/kernels-reference.js';
import { wasmKernels } from '../../src/bmm/kernels-wasm.js';
import { laneStride, type BmmWorkspace } from '../../src/bmm/kernels.js';
import { bitOf, randomRows } from './helpers.js';

const wasm = wasmKernels();

function fill(ws: BmmWorkspace, lanes: number, seed: number): void {
  const rng = new Rng(seed);
  const S = laneStride(lanes);
  ws.weights.fill(0); ws.gamma.fill(0); ws.consts.fill(0);
  for (let d = 0; d < ws.bits; d++) for (let k = 0; k < lanes; k++) ws.weights[d * S + k] = rng.uniform(-9, 9);
  for (let i = 0; i < ws.rows; i++) for (let k = 0; k < lanes; k++) ws.gamma[i * S + k] = rng.float() < 0.2 ? 0 : rng.float();
  for (let k = 0; k < lanes; k++) ws.consts[k] = rng.uniform(-300, -100);
}

test('wasm SIMD kernels compile in Node', () => {
  assert.ok(wasm, 'wasmKernels() returned null');
});

for (const bits of [1, 7, 33, 77, 200, 512, 1000]) {
  test(`scores and bitSums: wasm ≡ reference ≡ naive oracle (bits = ${bits})`, () => {
    const rows = 61;
    const x = randomRows(rows, bits, bits, 0.4);
    for (const lanes of [1, 2, 3, 4, 5, 7]) {
      const r = referenceKernels.workspace(x.data, rows, bits, 7);
      const w = wasm!.workspace(x.data, rows, bits, 7);
      fill(r, lanes, lanes); fill(w, lanes, lanes);
      const S = laneStride(lanes);
      const sr = r.scores(lanes).slice(), sw = w.scores(lanes).slice();
      assert.deepEqual(sw, sr, `scores lanes=${lanes}`);
      for (let i = 0; i < rows; i++) for (let k = 0; k < lanes; k++) {
        let s = 0;
        for (let d = 0; d < bits; d++) if (bitOf(x, i, d)) s += r.weights[d * S + k];
        assert.ok(Math.abs(s - sr[i * S + k]) <= 1e-9, `naive score row ${i} lane ${k}: ${s} vs ${sr[i * S + k]}`);
      }
      const br = r.bitSums(lanes).slice(), bw = w.bitSums(lanes).slice();
      assert.deepEqual(bw, br, `bitSums lanes=${lanes}`);
      for (let d = 0; d < r.bitsPadded; d++) for (let k = 0; k < lanes; k++) {
        let s = 0;
        if (d < bits) for (let i = 0; i < rows; i++) if (bitOf(x, i, d)) s += r.gamma[i * S + k];
        assert.ok(Math.abs(s - br[d * S + k]) <= 1e-12 * Math.max(1, s), `naive bit sum d ${d} lane ${k}`);
      }
    }
  });
}

test('posteriors: log-sum-exp, γ and N_k agree between backends and with a direct computation', () => {
  const rows = 300, bits = 96, lanes = 5;
  const x = randomRows(rows, bits, 3);
  const r = referenceKernels.workspace(x.data, rows, bits, lanes);
  const w = wasm!.workspace(x.data, rows, bits, lanes);
  fill(r, lanes, 11); fill(w, lanes, 11);
  // Small weights keep the components close so every exp path (not just the flush) is exercised.
  for (const ws of [r, w]) for (let i = 0; i < ws.weights.length; i++) ws.weights[i] *= 0.01;
  const raw = r.scores(lanes).slice();
  const tr = r.posteriors(lanes), tw = w.posteriors(lanes);
  assert.ok(Math.abs(tr - tw) <= 1e-12 * Math.abs(tr), `totals ${tr} vs ${tw}`);
  const S = laneStride(lanes);
  const pr = r.posterior(), pw = w.posterior();
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const l = Array.from({ length: lanes }, (_, k) => raw[i * S + k] + r.consts[k]);
    const lse = Math.log(l.reduce((a, v) => a + Math.exp(v - l[0]), 0)) + l[0];
    total += lse;
    assert.ok(Math.abs(lse - r.rowLogLik[i]) <= 1e-9 * Math.abs(lse));
    assert.ok(Math.abs(w.rowLogLik[i] - r.rowLogLik[i]) <= 1e-12 * Math.abs(lse));
    for (let k = 0; k < lanes; k++) {
      const g = Math.exp(l[k] - lse);
      assert.ok(Math.abs(pr[i * S + k] - g) <= 1e-9, `γ row ${i} lane ${k}`);
      assert.ok(Math.abs(pw[i * S + k] - pr[i * S + k]) <= 1e-14);
    }
  }
  assert.ok(Math.abs(total - tr) <= 1e-9 * Math.abs(total));
  for (let k = 0; k < lanes; k++) assert.ok(Math.abs(r.nk[k] - w.nk[k]) <= 1e-12 * rows);
  // bitSums may read the posterior in place with fewer lanes than it has (γ differs by ulps: exp).
  const bw = w.bitSums(3, 'posterior').slice(), br = r.bitSums(3, 'posterior').slice();
  for (let i = 0; i < br.length; i++) assert.ok(Math.abs(bw[i] - br[i]) <= 1e-12 * Math.max(1, Math.abs(br[i])), `bit sum ${i}`);
  assert.ok(br.some((v) => v > 1), 'posterior bit sums are non-trivial');
});

test('workspace rejects a lane count outside [1, maxLanes]', () => {
  const x = randomRows(4, 16, 1);
  for (const k of [referenceKernels, wasm!]) {
    const ws = k.workspace(x.data, 4, 16, 3);
    assert.throws(() => ws.scores(4), /lanes must be an integer in \[1, 3\]/);
    assert.throws(() => ws.bitSums(0), /lanes/);
  }
});
