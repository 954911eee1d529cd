import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverride, parseConfig } from '../../src/cil/config.js';
import { BudgetError, DEFAULT_BUDGET, planBufferBits } from '../../src/cil/budget.js';
import { Learner } from '../../src/cil/learner.js';
import { strategyEntry } from '../../src/cil/strategies/index.js';

test('config: defaults fill a minimal config', () => {
  const c = parseConfig({ strategy: { name: 'native-replay' } });
  assert.equal(c.data.scenario, 'B0 Inc2');
  assert.deepEqual(c.model.hidden, [400, 400]);
  assert.deepEqual(c.strategy, { name: 'native-replay', options: { policy: 'class-balanced', pixelBits: 8, replayBatch: null, replayRatio: 'batch', lossBalance: null } });
});

test('config: unknown keys are rejected at every level with their path and the known keys', () => {
  assert.throws(() => parseConfig({ epochs: 3 }), /config\.epochs: unknown key \(known keys of config: name, seed, data, model, strategy, training, budget, pretrain, frozen\)/);
  assert.throws(() => parseConfig({ training: { epoch: 3 } }), /config\.training\.epoch: unknown key \(known keys of config\.training: epochs, batchSize, lr, optimizer, schedule, momentum, weightDecay, minLr, factor, patience, augment\)/);
  assert.throws(() => parseConfig({ strategy: { name: 'native-replay', bufferSize: 200 } }), /config\.strategy\.bufferSize: unknown key \(known keys of config\.strategy: name, policy, pixelBits, replayBatch, replayRatio, lossBalance\)/);
  assert.throws(() => parseConfig({ strategy: { name: 'finetune', pixelBits: 8 } }), /config\.strategy\.pixelBits: unknown key/);
  assert.throws(() => parseConfig({ strategy: { name: 'ewc' } }), /config\.strategy\.name: unknown strategy 'ewc' \(known: finetune, joint, native-replay, latent-replay, lwf, icarl, gbm\)/);
  assert.throws(() => parseConfig({ data: { classOrder: 'random' } }), /config\.data\.classOrder: expected 'identity', \{"seed": <int>\} or a permutation list/);
});

test('config: wrong types and ranges name the key and the expectation', () => {
  assert.throws(() => parseConfig({ training: { epochs: 0 } }), /config\.training\.epochs: must be ≥ 1, got 0/);
  assert.throws(() => parseConfig({ training: { lr: 'fast' } }), /config\.training\.lr: expected a number, got "fast"/);
  assert.throws(() => parseConfig({ strategy: { name: 'native-replay', pixelBits: 9 } }), /config\.strategy\.pixelBits: must be ≤ 8, got 9/);
  assert.throws(() => parseConfig({ strategy: { name: 'native-replay', policy: 'fifo' } }), /config\.strategy\.policy: expected one of class-balanced, random, reservoir, herding, got 'fifo'/);
  assert.throws(() => parseConfig({ budget: { totalBits: 1.5 } }), /config\.budget\.totalBits: expected an integer, got 1\.5/);
});

test('config: --set overrides parse JSON values and go through the same validation', () => {
  const raw: Record<string, unknown> = { training: { epochs: 1 } };
  applyOverride(raw, 'training.epochs=4');
  applyOverride(raw, 'strategy.name=lwf');
  applyOverride(raw, 'model.hidden=[100,50]');
  const c = parseConfig(raw);
  assert.equal(c.training.epochs, 4);
  assert.equal(c.strategy.name, 'lwf');
  assert.deepEqual(c.model.hidden, [100, 50]);
  applyOverride(raw, 'training.epochz=2');
  assert.throws(() => parseConfig(raw), /config\.training\.epochz: unknown key/);
  assert.throws(() => applyOverride(raw, 'training'), /expected path=value/);
});

const learnerWith = (strategy: Record<string, unknown>, budget: Record<string, unknown>) => {
  const c = parseConfig({ model: { hidden: [32] }, strategy, budget });
  return () => new Learner({ model: c.model, inputDim: 784, numClasses: 10, training: c.training, budget: c.budget, seed: 1,
    strategy: strategyEntry(c.strategy.name).create(c.strategy.options) });
};

test('impossible budgets are rejected before training with a message that names the key and the numbers', () => {
  // 784·32 + 32 + 10·33 weights at 32 bits = 814,400 bits of model alone.
  assert.throws(learnerWith({ name: 'finetune' }, { totalBits: 100_000 }),
    (e: unknown) => e instanceof BudgetError && /impossible budget: budget\.totalBits = 100000 bits .* smaller than the 814440 bits .*model 814400, class map 40/.test((e as Error).message));
  assert.throws(learnerWith({ name: 'native-replay', pixelBits: 1 }, { bufferBits: 5000 }),
    /impossible budget: native-replay's buffer gets 5000 bits .* room for 6 samples of 788 bits .* at least one per class \(10\)/);
  assert.throws(learnerWith({ name: 'native-replay' }, {}), /native-replay needs a buffer budget: set budget\.bufferBits or budget\.totalBits/);
  assert.throws(learnerWith({ name: 'native-replay' }, { totalBits: 900_000, bufferBits: 100_000 }), /budget\.bufferBits = 100000 plus the 814440 fixed bits .* exceed budget\.totalBits = 900000/);
  // LwF keeps the previous model: the plan counts it.
  assert.throws(learnerWith({ name: 'lwf' }, { totalBits: 1_000_000 }), /smaller than the 1628840 bits .*auxiliary 814400/);
});

test('a feasible total budget leaves the rest to the buffer, and the learner reports within it', () => {
  const make = learnerWith({ name: 'native-replay', pixelBits: 1 }, { totalBits: 900_000 });
  const l = make();
  assert.equal(l.bufferBudgetBits, 900_000 - 814_440);
  const m = l.memory();
  assert.equal(m.budgetBits, 900_000);
  assert.ok(m.totalBits <= 900_000);
  assert.equal(planBufferBits(DEFAULT_BUDGET, { modelBits: 1, classMapBits: 0, auxiliaryBits: 0, trainingStateBits: 0 }), null);
});
