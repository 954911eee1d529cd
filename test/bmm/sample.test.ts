// Sampling: per-bit frequencies match μ and component frequencies match π (z-tests), seeded
// determinism, zero padding, and the 8-bit 'byte' path matching q/256.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BernoulliMixture } from '../../src/bmm/model.js';
import { validatePackedRows } from '../../src/engine/bits.js';
import { byteThresholds } from '../../src/bmm/sample.js';
import { Rng } from '../../src/engine/random.js';
import { bitOf, randomPrototypes } from './helpers.js';

const K = 3, D = 45;
const model = new BernoulliMixture({ components: K, bits: D, mu: randomPrototypes(K, D, 3, 0.001, 0.999), pi: [0.6, 0.3, 0.1] });

function checkFrequencies(method: 'exact' | 'byte'): void {
  const n = 60000;
  const { rows, components } = model.sample(n, new Rng(17), { method });
  validatePackedRows(rows, 'sample'); // zero padding beyond bit 45
  const counts = new Float64Array(K), ones = new Float64Array(K * D);
  for (let i = 0; i < n; i++) {
    const k = components[i];
    counts[k]++;
    for (let d = 0; d < D; d++) ones[k * D + d] += bitOf(rows, i, d);
  }
  // |p̂ − p| ≤ 5σ: with 135 + 3 tests the chance of a false failure is below 1e-4.
  for (let k = 0; k < K; k++) {
    const sd = Math.sqrt((model.pi[k] * (1 - model.pi[k])) / n);
    assert.ok(Math.abs(counts[k] / n - model.pi[k]) <= 5 * sd, `${method}: component ${k} frequency ${counts[k] / n} vs π ${model.pi[k]}`);
  }
  const q = byteThresholds(model.mu);
  for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) {
    const p = method === 'exact' ? model.mu[k * D + d] : q[k * D + d] / 256;
    const sd = Math.sqrt((p * (1 - p)) / counts[k]);
    const f = ones[k * D + d] / counts[k];
    assert.ok(Math.abs(f - p) <= 5 * sd + 1e-12, `${method}: bit ${d} of component ${k}: ${f} vs ${p} (5σ = ${5 * sd})`);
  }
}

test('exact sampling: bit frequencies match μ, component frequencies match π', () => checkFrequencies('exact'));
test('byte sampling: bit frequencies match q/256 with q = clamp(round(256μ), 1, 255)', () => checkFrequencies('byte'));

test('byte thresholds stay within 1/512 of μ away from the clamps', () => {
  const mu = Float64Array.from({ length: 1000 }, (_, i) => 0.002 + (i / 999) * 0.996);
  const q = byteThresholds(mu);
  for (let i = 0; i < mu.length; i++) {
    const err = Math.abs(q[i] / 256 - mu[i]);
    assert.ok(err <= (mu[i] < 1 / 512 || mu[i] > 1 - 1 / 512 ? 1 / 256 : 1 / 512) + 1e-15, `μ = ${mu[i]}`);
  }
});

test('sampling is deterministic in the Rng stream and validates its arguments', () => {
  const a = model.sample(50, new Rng(4)), b = model.sample(50, new Rng(4)), c = model.sample(50, new Rng(5));
  assert.deepEqual(a.rows.data, b.rows.data);
  assert.deepEqual(a.components, b.components);
  assert.notDeepEqual(a.rows.data, c.rows.data);
  assert.equal(model.sample(0, new Rng(1)).rows.rows, 0);
  assert.throws(() => model.sample(-1, new Rng(1)), /n must be an integer ≥ 0/);
  // @ts-expect-error missing rng on purpose
  assert.throws(() => model.sample(3), /rng must be a seeded Rng/);
});
