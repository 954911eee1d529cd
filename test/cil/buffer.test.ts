import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { base64ToBytes } from '../../src/engine/serialize.js';
import { BudgetError } from '../../src/cil/budget.js';
import { binaryCodec, createPolicy, float32Codec, herdingOrder, pixelCodec, SampleStore, type Items } from '../../src/cil/buffer/index.js';

/** A task of `perClass` random images for each class in `classes`. */
function taskItems(classes: number[], perClass: number, dim: number, rng: Rng): Items {
  const n = classes.length * perClass;
  const values = new Uint8Array(n * dim);
  for (let i = 0; i < values.length; i++) values[i] = rng.int(256);
  const labels = Int32Array.from({ length: n }, (_, i) => classes[Math.floor(i / perClass)]);
  return { values, labels, n, dim };
}

test('pixel codec stores the top bits exactly and decodes to the full 0..255 range', () => {
  for (const depth of [1, 3, 7, 8]) {
    const c = pixelCodec(5, depth);
    const src = Uint8Array.of(0, 255, 128, 77, 200);
    const words = new Uint32Array(4);
    c.encode(src, 0, words, 13); // odd offset: crosses word boundaries
    const out = new Uint8Array(5);
    c.decode(words, 13, out, 0);
    const top = (1 << depth) - 1;
    assert.deepEqual(Array.from(out), Array.from(src, (v) => Math.round(((v >> (8 - depth)) * 255) / top)), `depth ${depth}`);
  }
  const f = float32Codec(3), w = new Uint32Array(4), o = new Float32Array(3);
  f.encode(Float32Array.of(-1.5, 3.25, 1e-7), 0, w, 5); f.decode(w, 5, o, 0);
  assert.deepEqual(Array.from(o), Array.from(Float32Array.of(-1.5, 3.25, 1e-7)));
  const b = binaryCodec(4), wb = new Uint32Array(1), ob = new Float32Array(4);
  b.encode(Float32Array.of(0.3, -2, 0, -0.1), 0, wb, 0); b.decode(wb, 0, ob, 0);
  assert.deepEqual(Array.from(ob), [1, -1, 1, -1]); // sign(0) = +1
});

test('store: capacity comes from the bit budget, writes past it are refused, memoryBits = serialized payload bits', () => {
  const dim = 20, depth = 3;
  const s = new SampleStore(pixelCodec(dim, depth), 1000, 10, 'test buffer');
  assert.equal(s.bitsPerSample, dim * depth + 4);
  assert.equal(s.capacity, Math.floor(1000 / 64));
  const px = new Uint8Array(dim).fill(200);
  for (let i = 0; i < s.capacity; i++) s.add(px, 0, i % 10);
  assert.throws(() => s.add(px, 0, 1), (e: unknown) => e instanceof BudgetError && /exceed its 1000-bit budget/.test((e as Error).message));
  assert.ok(s.memoryBits() <= 1000);
  const ser = s.serialize();
  const payloadBits = 8 * (base64ToBytes(ser.payload).length + base64ToBytes(ser.labels).length);
  assert.ok(payloadBits >= s.memoryBits() && payloadBits < s.memoryBits() + 16, `serialized ${payloadBits} vs counted ${s.memoryBits()}`);
  const t = new SampleStore(pixelCodec(dim, depth), 1000, 10);
  t.load(ser);
  const a = new Uint8Array(dim), b = new Uint8Array(dim);
  for (let i = 0; i < s.count; i++) { s.read(i, a); t.read(i, b); assert.deepEqual(a, b); assert.equal(t.label(i), s.label(i)); }
});

for (const name of ['class-balanced', 'herding']) {
  test(`${name}: after every task each seen class holds exactly its quota floor(capacity / #classes) and bits stay within budget`, () => {
    const dim = 16, budget = 60 * (dim * 4 + 4) + 37; // room for 60 samples
    const store = new SampleStore(pixelCodec(dim, 4), budget, 10);
    const policy = createPolicy(name);
    const rng = new Rng(3);
    const embed = (items: Items, idx: Int32Array) => ({ features: Float32Array.from({ length: idx.length * dim }, (_, k) => items.values[idx[Math.floor(k / dim)] * dim + (k % dim)]), dim });
    for (let t = 0; t < 5; t++) {
      const items = taskItems([2 * t, 2 * t + 1], 40, dim, rng);
      policy.afterTask(store, items, { rng, taskIndex: t, embed });
      const seen = 2 * (t + 1), quota = Math.floor(60 / seen);
      const counts = store.labelCounts();
      assert.equal(counts.size, seen);
      for (const [c, n] of counts) assert.equal(n, Math.min(quota, 40), `task ${t}, class ${c}`);
      assert.ok(store.memoryBits() <= budget);
    }
  });
}

test('random policy balances tasks, reservoir keeps a uniform sample of the stream; both respect capacity', () => {
  const dim = 8, rng = new Rng(5);
  const r = new SampleStore(pixelCodec(dim, 8), 50 * (64 + 4), 10);
  const pr = createPolicy('random');
  const v = new SampleStore(pixelCodec(dim, 8), 50 * (64 + 4), 10);
  const pv = createPolicy('reservoir');
  for (let t = 0; t < 5; t++) {
    const items = taskItems([2 * t, 2 * t + 1], 30, dim, rng);
    pr.afterTask(r, items, { rng, taskIndex: t });
    pv.afterTask(v, items, { rng, taskIndex: t });
    assert.ok(r.count <= 50 && v.count <= 50);
    const perTask = r.groupCounts();
    for (const n of perTask.values()) assert.equal(n, Math.floor(50 / (t + 1)));
  }
  // Reservoir after 300 examples: the last task's 60 examples hold ≈ 60/300 of the slots.
  const last = [...v.labelCounts()].filter(([c]) => c >= 8).reduce((s, [, n]) => s + n, 0);
  assert.ok(last > 3 && last < 25, `reservoir kept ${last} of the last task's samples`);
});

test('eviction is seeded: the same seed gives the same buffer, another seed a different one', () => {
  const run = (seed: number) => {
    const rng = new Rng(seed), data = new Rng(11);
    const store = new SampleStore(pixelCodec(8, 8), 20 * 68, 10);
    const p = createPolicy('class-balanced');
    for (let t = 0; t < 3; t++) p.afterTask(store, taskItems([2 * t, 2 * t + 1], 15, 8, data), { rng, taskIndex: t });
    return store.serialize().payload;
  };
  assert.equal(run(1), run(1));
  assert.notEqual(run(1), run(2));
});

test('herding picks the sample closest to the mean first and covers the modes', () => {
  // Rows (2-D, normalised): two near (1,0), one near (0,1); mean ≈ (0.67, 0.33) direction.
  const f = Float32Array.of(1, 0, 0.99, 0.1, 0, 1, 0.7, 0.7);
  const order = herdingOrder(f, 4, 2, 4);
  assert.equal(order[0], 3); // (0.7, 0.7) is nearest the mean
  assert.equal(new Set(order).size, 4);
});

test('unknown policy names are rejected with the known ones listed', () => {
  assert.throws(() => createPolicy('fifo'), /unknown buffer policy 'fifo' \(known: class-balanced, random, reservoir, herding\)/);
});
