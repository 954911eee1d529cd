import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBit, packBits } from '../../src/bmm/index.js';
import { Rng } from '../../src/engine/random.js';
import { GenerativeMemory } from '../../src/gbm/generativeMemory.js';

/** Two classes with distinct per-bit probabilities, each a 2-mode mixture. */
function classData(rng: Rng, label: number, n: number, D: number) {
  const protos = [0, 1].map((k) => Float64Array.from({ length: D }, (_, d) => ((d + label * 7 + k * 3) % 5 === 0 ? 0.9 : 0.1)));
  const v: number[] = [];
  for (let i = 0; i < n; i++) { const p = protos[i % 2]; for (let d = 0; d < D; d++) v.push(rng.float() < p[d] ? 1 : 0); }
  return { rows: packBits(v, n, D) };
}

test('fits one mixture per class, samples class-balanced codes that match the class statistics', () => {
  const rng = new Rng(1);
  const D = 40;
  const mem = new GenerativeMemory({ components: 2, precision: 'u8' });
  const a = classData(rng, 0, 400, D), b = classData(rng, 1, 400, D);
  mem.fitClass(0, a.rows, rng);
  mem.fitClass(1, b.rows, rng);
  assert.deepEqual(mem.classes, [0, 1]);
  const s = mem.sample(4000, new Rng(9));
  const counts = [0, 0];
  const freq = [new Float64Array(D), new Float64Array(D)];
  for (let i = 0; i < s.labels.length; i++) {
    counts[s.labels[i]]++;
    for (let d = 0; d < D; d++) freq[s.labels[i]][d] += getBit(s.codes, i, d);
  }
  assert.ok(Math.abs(counts[0] - 2000) < 150, `class balance ${counts}`);
  // EM's fixed point matches the per-bit marginal of the training data: Σ_k π_k μ_k = mean(z).
  for (const [c, data] of [[0, a], [1, b]] as const) {
    for (let d = 0; d < D; d++) {
      let m = 0;
      for (let i = 0; i < data.rows.rows; i++) m += getBit(data.rows, i, d);
      m /= data.rows.rows;
      assert.ok(Math.abs(freq[c][d] / counts[c] - m) < 0.05, `class ${c} bit ${d}: sampled ${freq[c][d] / counts[c]} vs data ${m}`);
    }
  }
});

test('memory is C·K·(D·8 + 8) bits at 8-bit precision, and serialization round-trips exactly', () => {
  const rng = new Rng(2);
  const mem = new GenerativeMemory({ components: 3, precision: 'u8' });
  for (const c of [3, 5]) mem.fitClass(c, classData(rng, c, 60, 50).rows, rng);
  assert.equal(mem.memoryBits(), 2 * 3 * (50 * 8 + 8));
  const back = GenerativeMemory.deserialize(mem.serialize());
  assert.deepEqual(back.classes, [3, 5]);
  for (const c of [3, 5]) assert.deepEqual([...back.model(c).mu], [...mem.model(c).mu]);
  const s1 = mem.sample(50, new Rng(4)), s2 = back.sample(50, new Rng(4));
  assert.deepEqual([...s1.codes.data], [...s2.codes.data]);
  assert.deepEqual([...s1.labels], [...s2.labels]);
});

test('same seed, same memory and samples; bad input is rejected', () => {
  const build = () => {
    const rng = new Rng(7);
    const m = new GenerativeMemory({ components: 2 });
    m.fitClass(0, classData(rng, 0, 80, 33).rows, rng);
    return m;
  };
  assert.deepEqual([...build().sample(30, new Rng(1)).codes.data], [...build().sample(30, new Rng(1)).codes.data]);
  const m = build();
  assert.throws(() => m.fitClass(0, classData(new Rng(1), 0, 10, 33).rows, new Rng(1)), /already stored; GBM never refits/);
  assert.throws(() => m.fitClass(1, classData(new Rng(1), 1, 10, 20).rows, new Rng(1)), /20 bits, the memory holds 33-bit codes/);
  assert.throws(() => m.model(9), /no mixture stored for class 9/);
  const bytes = m.serialize();
  assert.throws(() => GenerativeMemory.deserialize(bytes.subarray(0, bytes.length - 5)), /claims .* bytes but only/);
  const bad = bytes.slice(); bad[0] ^= 1;
  assert.throws(() => GenerativeMemory.deserialize(bad), /bad magic/);
  assert.throws(() => new GenerativeMemory({ components: 0 }), /components must be an integer ≥ 1/);
});
