// CIL framework options the FBNN-ER study added: training augmentation and the pre-training step's checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner } from '../../src/cil/learner.js';
import { runExperiment } from '../../src/cil/runner.js';
import { makeSamples } from '../../src/cil/samples.js';
import { strategyEntry } from '../../src/cil/strategies/index.js';
import { pretrainEncoder } from '../../src/cil/pretrain.js';
import { pretrainData, SIZE, syntheticData, tinyConfig } from './fixtures.js';

function learner(augment: string): Learner {
  const c = tinyConfig([`training.augment=${augment}`]);
  return new Learner({ model: c.model, inputDim: SIZE * SIZE, numClasses: 10, training: c.training, budget: { totalBits: null, bufferBits: null, countTrainingState: false }, strategy: strategyEntry('finetune').create({}), seed: 1 });
}

test('training.augment: training batches are augmented, evaluation batches and the stored samples are not', () => {
  const img = Uint8Array.from({ length: SIZE * SIZE }, (_, i) => i);
  const s = makeSamples(img, Int32Array.of(3), SIZE * SIZE);
  const flip = learner('flip:1');
  flip.addClasses([3]);
  const b = flip.batchOf(s, [0], true);
  assert.equal(b.augmented, true);
  // A certain horizontal flip: row y reads x = SIZE−1…0.
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) assert.equal(b.samples.x[y * SIZE + x], img[y * SIZE + SIZE - 1 - x]);
  assert.ok(Math.abs(b.x.f32[0] - img[SIZE - 1] / 255) < 1e-7, 'the network input is the augmented image');
  const plain = flip.batchOf(s, [0]);
  assert.equal(plain.augmented, false);
  assert.deepEqual(plain.samples.x, img);
  const none = learner('none');
  assert.equal(none.augment(img, 1), img, "'none' returns the images untouched");
  assert.throws(() => tinyConfig(['training.augment=rotate:3']), /config\.training\.augment: augment: unknown step 'rotate'/);
});

test('the pre-training step needs a task after the first and is not a CIL step', async () => {
  const data = syntheticData({ perClass: 6, testPerClass: 2 });
  await assert.rejects(runExperiment(tinyConfig(['data.scenario=B10 Inc1']), { outDir: null, data }), /config\.pretrain: the scenario 'B10 Inc1' has 1 task/);
  const r = await runExperiment(tinyConfig(['pretrain.epochs=1', 'training.epochs=1', 'strategy={"name":"finetune"}']), { outDir: null, data });
  assert.deepEqual(r.tasks.map((t) => t.task), [0, 1, 2], 'the pre-training task is not a CIL step');
  assert.equal(r.pretraining!.history.length, 1);
  assert.match(r.method, /encoder pre-trained on the first task \(CE \+ 1·rotation\)/);
});

test('loadPretrainedEncoder: the encoder takes the pre-trained weights, the classifier starts fresh', () => {
  const c = tinyConfig(['pretrain.epochs=1']);
  const pre = pretrainEncoder(c, null, pretrainData(syntheticData({ perClass: 6, testPerClass: 2 }), c));
  const l = learner('none');
  const trunkBefore = l.net.trunk.stateDict();
  l.loadPretrainedEncoder(pre.weights);
  assert.equal(l.encoderPretrained, true);
  const enc = l.net.encoder.stateDict();
  for (const [k, v] of Object.entries(pre.weights)) assert.deepEqual(enc[k], v, k);
  assert.deepEqual(l.net.trunk.stateDict(), trunkBefore, 'the trunk (skip classifier hidden layer) is not the pre-training one');
  assert.equal(l.net.head.outputs, 0, 'the head grows from nothing: the classifier is reset');
});
