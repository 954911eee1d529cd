import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 100 }, () => a.nextU32());
  const xb = Array.from({ length: 100 }, () => b.nextU32());
  const xc = Array.from({ length: 100 }, () => c.nextU32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('known-answer: first outputs for seed 1 are pinned (guards cross-platform drift)', () => {
  const r = new Rng(1);
  const got = [r.nextU32(), r.nextU32(), r.nextU32()];
  // Pinned from this implementation; any change to seeding or the generator breaks saved runs.
  assert.deepEqual(got, PINNED_SEED1);
});

test('state round-trips through JSON and resumes the exact stream', () => {
  const r = new Rng(7);
  for (let i = 0; i < 13; i++) r.nextU32();
  const saved = JSON.parse(JSON.stringify(r.state()));
  const next = [r.nextU32(), r.float(), r.normal()];
  const r2 = Rng.fromState(saved);
  assert.deepEqual([r2.nextU32(), r2.float(), r2.normal()], next);
});

test('fromState rejects malformed states with a clear message', () => {
  assert.throws(() => Rng.fromState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0] }), /4 non-zero uint32/);
  // @ts-expect-error wrong algorithm on purpose
  assert.throws(() => Rng.fromState({ algorithm: 'mt', s: [1, 2, 3, 4] }), /xoshiro128/);
  assert.throws(() => new Rng(Number.NaN), /finite/);
});

test('split streams are deterministic and independent of each other', () => {
  const p1 = new Rng(5), p2 = new Rng(5);
  const c1 = p1.split(), c2 = p2.split();
  assert.equal(c1.nextU32(), c2.nextU32());
  const d = p1.split();
  const x = Array.from({ length: 50 }, () => c1.nextU32());
  const y = Array.from({ length: 50 }, () => d.nextU32());
  assert.notDeepEqual(x, y);
});

test('int() is unbiased and in range; float() in [0,1); normal() has unit moments', () => {
  const r = new Rng(3);
  const counts = new Array(7).fill(0);
  const n = 70000;
  for (let i = 0; i < n; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - n / 7) < 5 * Math.sqrt(n / 7), `count ${c}`);
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
  for (let i = 0; i < 1000; i++) { const f = r.float(); assert.ok(f >= 0 && f < 1); }
  assert.throws(() => r.int(0), /n must be/);
});

test('permutation is a permutation', () => {
  const p = new Rng(9).permutation(1000);
  const seen = new Set(p);
  assert.equal(seen.size, 1000);
  assert.equal(Math.min(...p), 0);
  assert.equal(Math.max(...p), 999);
});

const PINNED_SEED1 = [2442144158, 3238099751, 3819917871];
