// Model selection: BIC over candidate K picks the planted number of components.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bic, selectComponents } from '../../src/bmm/select.js';
import { plantedRows, randomPrototypes } from './helpers.js';

test('BIC selects the planted K among {1, 2, 3, 5}', () => {
  const K = 3, D = 96;
  const { x } = plantedRows(900, D, randomPrototypes(K, D, 71, 0.1, 0.9), new Float64Array([0.4, 0.35, 0.25]), 72);
  const sel = selectComponents(x, [1, 2, 3, 5], { seed: 1 });
  assert.equal(sel.best.components, 3);
  assert.equal(sel.candidates.length, 4);
  for (const c of sel.candidates) {
    assert.equal(c.parameters, c.components * D + c.components - 1);
    assert.equal(c.bic, bic(c.totalLogLikelihood, c.parameters, 900));
  }
  // Log-likelihood alone keeps growing with K; BIC's penalty is what stops it.
  assert.ok(sel.candidates[3].totalLogLikelihood > sel.candidates[2].totalLogLikelihood);
});

test('selectComponents validates its candidates', () => {
  const { x } = plantedRows(10, 8, randomPrototypes(1, 8, 1), new Float64Array([1]), 2);
  assert.throws(() => selectComponents(x, []), /candidates must be a non-empty array/);
  assert.throws(() => selectComponents(x, [2, 0]), /candidates must hold integers ≥ 1, got 0/);
  assert.throws(() => selectComponents(x, [11]), /candidate K = 11 exceeds the number of rows \(10\)/);
});
