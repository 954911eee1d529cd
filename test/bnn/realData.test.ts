// Real data: Fashion-MNIST from $BITSPIKE_DATA (test/tools.ts: skipped locally when absent, required under CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { loadDataset } from '../../src/data/registry.js';
import { BinaryNet } from '../../src/bnn/binaryNet.js';
import { fbnnSpec } from '../../src/bnn/fbnnLayout.js';
import { BnnTrainer } from '../../src/bnn/train.js';
import { deploy } from '../../src/bnn/deploy.js';
import { PackedNet } from '../../src/bnn/packedInference.js';
import { simulate } from './helpers.js';
import { dataset } from '../tools.js';

const fashion = dataset('fashion-mnist');

test('Fashion-MNIST: a briefly trained FBNN deploys with packed predictions and scores identical to the float simulation', {
  skip: fashion.skip,
}, async () => {
  const dir = fashion.need();
  const train = await loadDataset('fashion-mnist', 'train', { dataDir: dir, cacheDir: false });
  const test = await loadDataset('fashion-mnist', 'test', { dataDir: dir, cacheDir: false });
  const spec = fbnnSpec({ input: { height: 28, width: 28, channels: 1, levels: 4 }, classes: 10, widths: [16, 32, 64], groups: [1, 2, 2], convsPerBlock: 1, latentBits: 64 });
  const net = new BinaryNet(spec, new Rng(1));
  new BnnTrainer(net, 1, { lr: 3e-3 }).fit({ images: train.images.subarray(0, 1024 * 784), labels: train.labels.subarray(0, 1024), n: 1024 }, { maxEpochs: 1, batchSize: 64 });
  const n = 500, imgs = test.images.subarray(0, n * 784);
  const sim = simulate(net, imgs, n);
  const packed = new PackedNet(deploy(net)).predict(imgs, n);
  assert.deepEqual(Array.from(packed.scores), Array.from(sim.scores));
  assert.deepEqual(packed.predictions, sim.predictions);
  let correct = 0;
  for (let i = 0; i < n; i++) if (packed.predictions[i] === test.labels[i]) correct++;
  assert.ok(correct / n > 0.2, `after 16 steps the model is clearly above chance 0.1 (${correct / n})`);
});
