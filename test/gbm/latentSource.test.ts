import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { gbmSource } from '../../src/gbm/latentSource.js';

const opts = { dim: 37, format: 'binary' as const, bits: null, numClasses: 10, policy: 'class-balanced' };

function latentsFor(rng: Rng, labels: number[], dim: number): Float32Array {
  const z = new Float32Array(labels.length * dim);
  labels.forEach((c, i) => { for (let d = 0; d < dim; d++) z[i * dim + d] = rng.float() < ((d + c) % 3 === 0 ? 0.85 : 0.15) ? 1 : -1; });
  return z;
}

test('gbm source stores classes as mixtures, samples only stored classes, counts generator bits, restores state', () => {
  const rng = new Rng(3);
  const src = gbmSource(opts, { components: 2, precision: 'u8' });
  assert.equal(src.memoryKind, 'generator');
  assert.equal(src.size(), 0);
  const labels = Array.from({ length: 300 }, (_, i) => [4, 7][i % 2]);
  src.addClasses(latentsFor(rng, labels, 37), Int32Array.from(labels), { rng, taskIndex: 0 });
  assert.equal(src.size(), 2);
  assert.equal(src.memoryBits(), 2 * 2 * (37 * 8 + 8));
  const s = src.sample(500, new Rng(1));
  assert.ok([...s.labels].every((c) => c === 4 || c === 7));
  assert.ok([...s.latents].every((v) => v === 1 || v === -1));
  // Class 4 codes follow class 4's statistics: bit 2 is mostly +1 ((2 + 4) % 3 === 0).
  let on = 0, n = 0;
  s.labels.forEach((c, i) => { if (c === 4) { n++; if (s.latents[i * 37 + 2] === 1) on++; } });
  assert.ok(on / n > 0.75, `bit 2 of class 4 on ${on}/${n}`);
  const copy = gbmSource(opts, { components: 2, precision: 'u8' });
  copy.loadState(JSON.parse(JSON.stringify(src.state())));
  assert.deepEqual([...copy.sample(50, new Rng(8)).latents], [...src.sample(50, new Rng(8)).latents]);
  assert.throws(() => gbmSource({ ...opts, format: 'float' }), /GBM models binary latents/);
  assert.throws(() => copy.loadState({}), /state must be \{memory: base64\}/);
});
