import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretrain } from '../../src/fbnn/pretrain.js';
import { ReplayContext, runReplay } from '../../src/fbnn/protocol.js';
import { syntheticData, tinyConfig } from './fixtures.js';

// One pre-trained extractor shared by every test here (what the study's cache does).
const data = syntheticData({ perClass: 30 });
const cfg = tinyConfig();
const { result: pre } = pretrain(cfg, data);
const ctx = (c = cfg) => new ReplayContext(c, data, pre);

test('latent replay: class-balanced capacity from the bit budget, exact payload bits, labels reported apart', () => {
  // 0.0025 Mb = 2,500 bits of 64-bit latents: floor(2500/64) = 39 → 36 for 6 deployment classes.
  const r = runReplay(ctx(), { kind: 'latent', budgetMb: 0.0025 });
  assert.equal(r.plan.capacity, 36);
  assert.equal(r.plan.perClass, 6);
  assert.equal(r.storedAtEnd, 36, 'the last task fills every class to its quota');
  assert.equal(r.payloadBitsAtEnd, 36 * 64);
  assert.equal(r.labelBitsAtEnd, 36 * 4, '10 dataset classes → 4-bit labels');
  assert.ok(r.payloadBitsAtEnd <= 2500);
  assert.equal(r.steps.length, 3);
  assert.deepEqual(r.steps.map((s) => s.classes.length), [2, 2, 2]);
  // After step t the buffer holds floor(36 / seen classes) per seen class.
  assert.deepEqual(r.steps.map((s) => s.stored), [36, 36, 36]);
  assert.ok(r.summary && r.summary.finalAccuracy >= 0 && r.summary.finalAccuracy <= 1);
  assert.equal(r.steps[0].oldAccuracy, null);
});

test('a budget below one sample per deployment class is reported as infeasible, not run', () => {
  const r = runReplay(ctx(), { kind: 'native', budgetMb: 0.002 }); // 2,000 bits < 6 images × 448 bits
  assert.equal(r.feasible, false);
  assert.equal(r.plan.capacity, 0);
  assert.equal(r.summary, null);
});

test('native replay stores images at the configured pixel depth and trains the extractor', () => {
  const r = runReplay(ctx(), { kind: 'native', budgetMb: 0.01 }); // 10,000 / (64 px × 7 bits) = 22 → 18
  assert.equal(r.plan.sampleBits, 64 * 7);
  assert.equal(r.plan.capacity, 18);
  assert.equal(r.payloadBitsAtEnd, r.storedAtEnd * 448);
  assert.equal(r.storedAtEnd, 18);
  assert.ok(r.summary!.finalAccuracy > 1 / 6, `final accuracy ${r.summary!.finalAccuracy} above chance over 6 classes`);
});

test('runs are deterministic for a seed', () => {
  const a = runReplay(ctx(), { kind: 'latent', budgetMb: 0.005, lossBalance: 0.5 });
  const b = runReplay(ctx(), { kind: 'latent', budgetMb: 0.005, lossBalance: 0.5 });
  assert.deepEqual(a.steps, b.steps);
});

test('loss balancing trades retention for adaptation on a tiny seeded run', () => {
  // λ weights the current-task half of every minibatch: small λ favours the replayed (old) classes.
  const run = (lambda: number) => runReplay(ctx(), { kind: 'latent', budgetMb: 0.005, lossBalance: lambda });
  const oldFavoured = run(0.05), newFavoured = run(0.95);
  const last = (r: ReturnType<typeof run>) => r.steps[r.steps.length - 1];
  assert.ok(last(oldFavoured).oldAccuracy! > last(newFavoured).oldAccuracy!, `retention λ=0.05 ${last(oldFavoured).oldAccuracy} vs λ=0.95 ${last(newFavoured).oldAccuracy}`);
  assert.ok(last(newFavoured).newAccuracy >= last(oldFavoured).newAccuracy, `adaptation λ=0.95 ${last(newFavoured).newAccuracy} vs λ=0.05 ${last(oldFavoured).newAccuracy}`);
});
