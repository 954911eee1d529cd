// The FBNN-ER study as a configuration of the CIL runner, on a seeded tiny run: 4 pre-training
// classes, then 3 deployment tasks of 2 classes (8×8 synthetic images, 64-bit latents).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runExperiment } from '../../src/cil/runner.js';
import { runFbnnStudy, type ReplayKind } from '../../src/fbnn/study.js';
import { syntheticData, tinyConfig } from './fixtures.js';

const data = syntheticData({ perClass: 30 });
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-fbnn-study-'));
process.on('exit', () => fs.rmSync(cache, { recursive: true, force: true }));

const study = (kind: ReplayKind, budgetsMb: number[], lambdas: (number | null)[] = [], sets: string[] = []) =>
  runFbnnStudy(tinyConfig(sets), { kind, budgetsMb, lambdas, cacheDir: cache, out: null, data });

test('latent replay keeps the old deployment classes that fine-tuning forgets (same pre-trained encoder)', async () => {
  const f = await study('latent', [0.005]), lr = f.runs[0];
  const ft = await runExperiment(tinyConfig(['strategy={"name":"finetune"}']), { outDir: null, data, pretrainCache: cache });
  const last = <T>(a: T[]): T => a[a.length - 1];
  assert.equal(ft.pretraining!.key, f.pretraining!.key, 'both start from one pre-trained encoder');
  assert.ok(last(ft.tasks).oldAccuracy! < 0.2, `fine-tuning retains ${last(ft.tasks).oldAccuracy} of the old classes`);
  assert.ok(last(lr.tasks).oldAccuracy! > last(ft.tasks).oldAccuracy! + 0.4, `retention: latent replay ${last(lr.tasks).oldAccuracy} vs fine-tuning ${last(ft.tasks).oldAccuracy}`);
  assert.ok(lr.summary!.finalAccuracy > ft.summary.finalAccuracy + 0.2, `A_T: latent replay ${lr.summary!.finalAccuracy} vs fine-tuning ${ft.summary.finalAccuracy}`);
  // Evaluation covers the deployment classes only: 2, 4, 6 classes × 12 test images.
  assert.deepEqual(lr.tasks.map((t) => t.testSamples), [24, 48, 72]);
  assert.deepEqual(lr.tasks.map((t) => t.classes), [[4, 5], [6, 7], [8, 9]]);
});

test('latent replay: class-balanced capacity from the bit budget, exact payload bits, labels reported apart', async () => {
  // 0.0025 Mb = 2,500 bits of 64-bit latents: floor(2500/64) = 39 → 36 for 6 deployment classes.
  const r = (await study('latent', [0.0025])).runs[0];
  assert.equal(r.plan.capacity, 36);
  assert.equal(r.plan.perClass, 6);
  assert.equal(r.storedAtEnd, 36, 'the last task fills every class to its quota');
  assert.equal(r.payloadBitsAtEnd, 36 * 64);
  assert.equal(r.labelBitsAtEnd, 36 * 4, '10 dataset classes → 4-bit labels');
  assert.equal(r.tasks.length, 3);
  // After each task the buffer holds floor(36 / seen classes) per seen class: 36 samples of 68 bits.
  assert.deepEqual(r.tasks.map((t) => t.memory.bufferBits), [36 * 68, 36 * 68, 36 * 68]);
  assert.equal(r.tasks[0].oldAccuracy, null);
  // Only the classifier trains: the encoder is the pre-trained one, frozen from the first task.
  assert.equal(r.modelBits, r.tasks[2].memory.modelBits);
});

test('a budget below one sample per deployment class is reported as infeasible, not run', async () => {
  const r = (await study('native', [0.002])).runs[0]; // 2,000 bits < 6 images × 448 bits
  assert.equal(r.feasible, false);
  assert.equal(r.plan.capacity, 0);
  assert.equal(r.summary, null);
});

test('native replay stores images at the configured pixel depth and trains the encoder', async () => {
  const f = await study('native', [0.01]); // 10,000 / (64 px × 7 bits) = 22 → 18
  const r = f.runs[0];
  assert.equal(r.plan.sampleBits, 64 * 7);
  assert.equal(r.plan.capacity, 18);
  assert.equal(r.storedAtEnd, 18);
  assert.equal(r.payloadBitsAtEnd, 18 * 448);
  assert.ok(r.summary!.finalAccuracy > 2 / 6, `final accuracy ${r.summary!.finalAccuracy}, chance 1/6`);
  assert.equal(f.data.wholeSetMb, (6 * 30 * 64 * 7) / 1e6, 'the ladder top: every deployment training image at 7 bits');
});

test('runs are deterministic for a seed', async () => {
  const a = await study('latent', [0.005], [0.5]);
  const b = await study('latent', [0.005], [0.5]);
  assert.deepEqual(a.runs[0].tasks, b.runs[0].tasks);
});

test('loss balancing trades retention for adaptation on a tiny seeded run', async () => {
  // λ weights the current-task half of every minibatch: small λ favours the replayed (old) classes.
  const [oldFavoured, newFavoured] = (await study('latent', [0.005], [0.05, 0.95])).runs;
  const last = (r: typeof oldFavoured) => r.tasks[r.tasks.length - 1];
  assert.ok(last(oldFavoured).oldAccuracy! > last(newFavoured).oldAccuracy!, `retention λ=0.05 ${last(oldFavoured).oldAccuracy} vs λ=0.95 ${last(newFavoured).oldAccuracy}`);
  assert.ok(last(newFavoured).newAccuracy >= last(oldFavoured).newAccuracy, `adaptation λ=0.95 ${last(newFavoured).newAccuracy} vs λ=0.05 ${last(oldFavoured).newAccuracy}`);
});

test('the plateau schedule ends a task at the lr floor; the constant one runs every epoch', async () => {
  // factor 0.5, patience 0: the first epoch without a 0.01 % loss improvement halves the lr below a floor of 0.6·lr.
  const floor = (await study('latent', [0.005], [], ['training.epochs=30', 'training.patience=0', 'training.minLr=0.006'])).runs[0];
  for (const t of floor.tasks) {
    assert.equal(t.stoppedBy, 'lr-floor');
    assert.ok(t.epochs! >= 2 && t.epochs! < 30, `task ${t.task}: ${t.epochs} epochs`);
  }
  const constant = (await study('latent', [0.005], [], ['training.epochs=3', 'training.schedule=constant'])).runs[0];
  assert.deepEqual(constant.tasks.map((t) => [t.epochs, t.stoppedBy]), [[3, 'max-epochs'], [3, 'max-epochs'], [3, 'max-epochs']]);
});
