import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Binarizer, normalQuantile } from '../../src/gbm/binarizers.js';

test('normalQuantile inverts the normal CDF at known points', () => {
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-9);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.2) + 0.841621234) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306) < 1e-6);
  assert.throws(() => normalQuantile(1), /p must be in \(0, 1\)/);
});

test('thermometer codes are monotone per feature, with equiprobable levels under N(0,1)', () => {
  const b = new Binarizer({ kind: 'thermometer', features: 3, levels: 4 });
  assert.equal(b.bits, 12);
  const rng = new E.Rng(5);
  const h = E.randn([2000, 3], rng);
  const z = b.forward(h).f32;
  const counts = new Array(5).fill(0);
  for (let n = 0; n < 2000; n++) {
    for (let d = 0; d < 3; d++) {
      let ones = 0;
      for (let j = 0; j < 4; j++) {
        const v = z[(n * 3 + d) * 4 + j];
        assert.ok(v === 1 || v === -1);
        if (j > 0) assert.ok(v <= z[(n * 3 + d) * 4 + j - 1], 'a thermometer code never switches back on');
        if (v === 1) ones++;
      }
      counts[ones]++;
    }
  }
  // Five equiprobable bins → 1,200 each out of 6,000.
  for (const c of counts) assert.ok(Math.abs(c - 1200) < 150, `bin counts ${counts}`);
});

test('Heaviside binarizer: H(0)=+1, STE gradient is the clipped identity, thresholds learn', () => {
  const b = new Binarizer({ kind: 'heaviside', features: 2 });
  b.eval(); // running stats are identity: mean 0, var 1
  const h = E.tensor([0, -0.5, 2, 0.3], [2, 2], { requiresGrad: true });
  const z = b.forward(h);
  assert.deepEqual([...z.f32], [1, -1, 1, 1]);
  z.backward(Float32Array.of(1, 1, 1, 1));
  const s = 1 / Math.sqrt(1 + 1e-5);
  assert.deepEqual([...h.grad!.f32].map((v) => Math.round(v / s * 1e4) / 1e4), [1, 1, 0, 1]);
  assert.deepEqual([...b.thresholds.grad!.f32], [-1, -2]);
  assert.ok(b.parameters().includes(b.thresholds));
});

test('Binarizer rejects bad configuration and input', () => {
  assert.throws(() => new Binarizer({ kind: 'thermometer', features: 0 }), /features must be a positive integer/);
  assert.throws(() => new Binarizer({ kind: 'thermometer', features: 4, levels: 0 }), /levels must be a positive integer/);
  assert.throws(() => new Binarizer({ kind: 'sigmoid' as never, features: 4 }), /kind must be/);
  assert.throws(() => new Binarizer({ kind: 'heaviside', features: 4 }).forward(E.zeros([2, 3])), /expects \[N, 4\] features, got \[2,3\]/);
});
