// EM behaviour: planted-parameter recovery, monotone log-likelihood, K = 1 ≡ per-bit frequencies,
// determinism, backend agreement, empty-component handling and argument errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitBmm } from '../../src/bmm/em.js';
import { DEFAULT_EPS } from '../../src/bmm/model.js';
import { Rng } from '../../src/engine/random.js';
import { bitOf, matchComponents, plantedRows, randomPrototypes, randomRows } from './helpers.js';

test('EM recovers a planted 3-component mixture (prototypes and weights, after matching)', () => {
  const K = 3, D = 128, N = 3000;
  const mu = randomPrototypes(K, D, 7);
  const pi = new Float64Array([0.5, 0.3, 0.2]);
  const { x } = plantedRows(N, D, mu, pi, 8);
  for (const init of ['blend', 'kmeans++'] as const) {
    const fit = fitBmm(x, { components: K, seed: 3, init });
    assert.ok(fit.converged, `${init}: converged`);
    const perm = matchComponents(mu, fit.model.mu, K, D);
    for (let k = 0; k < K; k++) {
      const nk = N * pi[k];
      let maxErr = 0;
      for (let d = 0; d < D; d++) {
        const err = Math.abs(fit.model.mu[perm[k] * D + d] - mu[k * D + d]);
        // 5 binomial standard deviations of a frequency estimated from ~N·π_k rows.
        const sd = Math.sqrt((mu[k * D + d] * (1 - mu[k * D + d])) / nk);
        assert.ok(err <= 5 * sd + 1e-3, `${init}: μ[${k}][${d}] off by ${err} (5σ = ${5 * sd})`);
        maxErr = Math.max(maxErr, err);
      }
      assert.ok(Math.abs(fit.model.pi[perm[k]] - pi[k]) < 0.03, `${init}: π[${k}] = ${fit.model.pi[perm[k]]}, planted ${pi[k]}`);
    }
    // Canonical order: decreasing π.
    for (let k = 1; k < K; k++) assert.ok(fit.model.pi[k - 1] >= fit.model.pi[k]);
  }
});

test('log-likelihood never decreases across iterations (overlapping components, many seeds)', () => {
  const K = 4, D = 48, N = 800;
  // Prototypes near 0.5 overlap heavily: slow EM with long histories.
  const mu = randomPrototypes(K, D, 21, 0.3, 0.7);
  const { x } = plantedRows(N, D, mu, new Float64Array([0.25, 0.25, 0.25, 0.25]), 22);
  let steps = 0;
  for (let seed = 0; seed < 6; seed++) {
    for (const init of ['blend', 'kmeans++'] as const) {
      const fit = fitBmm(x, { components: K, seed, init, restarts: 1, maxIterations: 200, tolerance: 1e-10 });
      const h = fit.history;
      for (let t = 1; t < h.length; t++) {
        if (fit.exemptSteps.includes(t)) continue;
        steps++;
        assert.ok(h[t] >= h[t - 1] - 1e-12 * Math.abs(h[t - 1]), `seed ${seed} ${init}: step ${t} ${h[t - 1]} → ${h[t]}`);
      }
      assert.equal(fit.logLikelihood, h[h.length - 1]);
      assert.ok(Math.abs(fit.model.meanLogLikelihood(x) - fit.logLikelihood) <= 1e-9 * Math.abs(fit.logLikelihood),
        'returned model reproduces the reported log-likelihood');
    }
  }
  assert.ok(steps > 100, `exercised ${steps} steps`);
});

test('K = 1 equals the per-bit frequencies of ones exactly (up to the ε clamp)', () => {
  const D = 70, N = 513;
  const x = randomRows(N, D, 5, 0.3);
  // A constant column hits the clamp.
  const words = x.data.length / N;
  for (let i = 0; i < N; i++) x.data[i * words] |= 1;
  for (const kernels of ['wasm', 'reference'] as const) {
    const fit = fitBmm(x, { components: 1, kernels });
    for (let d = 0; d < D; d++) {
      let ones = 0;
      for (let i = 0; i < N; i++) ones += bitOf(x, i, d);
      const f = Math.min(1 - DEFAULT_EPS, Math.max(DEFAULT_EPS, ones / N));
      assert.equal(fit.model.mu[d], f, `${kernels}: bit ${d}`);
    }
    assert.equal(fit.model.mu[0], 1 - DEFAULT_EPS);
    assert.deepEqual(Array.from(fit.model.pi), [1]);
  }
});

test('same seed → identical results; another seed → another initialisation', () => {
  const mu = randomPrototypes(3, 64, 31);
  const { x } = plantedRows(600, 64, mu, new Float64Array([0.4, 0.4, 0.2]), 32);
  const a = fitBmm(x, { components: 3, seed: 9 });
  const b = fitBmm(x, { components: 3, seed: 9 });
  assert.deepEqual(a.model.mu, b.model.mu);
  assert.deepEqual(a.model.pi, b.model.pi);
  assert.deepEqual(a.history, b.history);
  const c = fitBmm(x, { components: 3, seed: 10, maxIterations: 0, restarts: 1 });
  const d = fitBmm(x, { components: 3, seed: 9, maxIterations: 0, restarts: 1 });
  assert.notDeepEqual(c.model.mu, d.model.mu);
  // An explicit Rng stream is equivalent to its seed.
  const e = fitBmm(x, { components: 3, rng: new Rng(9) });
  assert.deepEqual(e.model.mu, a.model.mu);
});

test('wasm and reference backends fit the same model (to rounding of exp/log)', () => {
  const mu = randomPrototypes(3, 100, 41, 0.2, 0.8);
  const { x } = plantedRows(400, 100, mu, new Float64Array([0.5, 0.25, 0.25]), 42);
  const a = fitBmm(x, { components: 3, seed: 1, kernels: 'wasm', restarts: 2 });
  const b = fitBmm(x, { components: 3, seed: 1, kernels: 'reference', restarts: 2 });
  assert.equal(a.kernels, 'wasm');
  assert.equal(b.kernels, 'reference');
  assert.equal(a.history.length, b.history.length);
  for (let t = 0; t < a.history.length; t++) assert.ok(Math.abs(a.history[t] - b.history[t]) <= 1e-10 * Math.abs(b.history[t]));
  for (let i = 0; i < a.model.mu.length; i++) assert.ok(Math.abs(a.model.mu[i] - b.model.mu[i]) <= 1e-9);
});

test('restarts keep the best final log-likelihood', () => {
  const mu = randomPrototypes(4, 40, 51, 0.25, 0.75);
  const { x } = plantedRows(500, 40, mu, new Float64Array([0.25, 0.25, 0.25, 0.25]), 52);
  const fit = fitBmm(x, { components: 4, seed: 2, restarts: 4 });
  assert.equal(fit.restarts.length, 4);
  const best = Math.max(...fit.restarts.map((r) => r.logLikelihood));
  assert.equal(fit.logLikelihood, best);
  assert.equal(fit.restarts[fit.restart].logLikelihood, best);
});

test('empty components are re-seeded on the worst row or dropped, and recorded', () => {
  const mu = randomPrototypes(2, 32, 61);
  const { x } = plantedRows(400, 32, mu, new Float64Array([0.5, 0.5]), 62);
  // A threshold of 0.45·N marks some of the 4 components empty at the first M-step.
  const reseed = fitBmm(x, { components: 4, seed: 1, restarts: 1, emptyThreshold: 180, maxIterations: 3 });
  assert.ok(reseed.events.length > 0 && reseed.events.every((e) => e.action === 'reseed' && e.row !== undefined));
  assert.equal(reseed.model.components, 4);
  assert.ok(reseed.exemptSteps.includes(reseed.events[0].iteration + 1));
  const dropped = fitBmm(x, { components: 4, seed: 1, restarts: 1, emptyThreshold: 180, emptyComponent: 'drop' });
  assert.ok(dropped.events.length > 0 && dropped.events.every((e) => e.action === 'drop'));
  assert.equal(dropped.model.components, 4 - dropped.events.length);
  assert.ok(Math.abs(dropped.model.pi.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('bad inputs fail with errors that name the argument', () => {
  const x = randomRows(10, 20, 1);
  assert.throws(() => fitBmm(x, { components: 0 }), /components \(K\) must be an integer ≥ 1, got 0/);
  assert.throws(() => fitBmm(x, { components: 11 }), /components \(K = 11\) must not exceed the number of rows \(10\)/);
  assert.throws(() => fitBmm({ data: new Uint32Array(0), rows: 0, bits: 20 }, { components: 1 }), /x\.rows: .*data must not be empty/);
  assert.throws(() => fitBmm({ data: new Uint32Array(5), rows: 10, bits: 20 }, { components: 1 }), /x\.data: expected rows × packedWords\(bits\)/);
  const padded = { data: x.data.slice(), rows: 10, bits: 20 };
  padded.data[0] |= 1 << 25;
  assert.throws(() => fitBmm(padded, { components: 1 }), /non-zero padding bits beyond bit 20/);
  assert.throws(() => fitBmm(x, { components: 2, restarts: 0 }), /restarts must be an integer ≥ 1/);
  // @ts-expect-error invalid on purpose
  assert.throws(() => fitBmm(x, { components: 2, init: 'random' }), /init must be 'blend' or 'kmeans\+\+'/);
  assert.throws(() => fitBmm(x, { components: 2, eps: 0.7 }), /eps: expected a number in \(0, 0.5\)/);
  const model = fitBmm(x, { components: 2 }).model;
  assert.throws(() => model.logLikelihoods(randomRows(3, 21, 2)), /x\.bits: expected 20 \(the model's bit width\), got 21/);
});
