import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planTinyImageNet } from '../../src/data/tinyImageNet.js';
import { loadDataset } from '../../src/data/registry.js';
import { jpegBytes, patternRgb, tmpDir, write, writeTinyImageNet } from './fixtures.js';

const WNIDS = ['n02124075', 'n01443537', 'n09193705'];

test('TinyImageNet: official layout, sorted wnids as labels, words.txt descriptions, val from annotations', async (t) => {
  const root = tmpDir(t);
  writeTinyImageNet(root, WNIDS, 3, 6);
  const train = await loadDataset('tiny-imagenet', 'train', { dataDir: root, cacheDir: false });
  assert.deepEqual(train.classNames, [...WNIDS].sort());
  assert.equal(train.classDescriptions![0], 'thing n01443537, object');
  assert.deepEqual(train.shape, { n: 9, h: 64, w: 64, c: 3 });
  assert.deepEqual(Array.from(train.labels), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const val = await loadDataset('tiny-imagenet', 'val', { dataDir: root, cacheDir: false });
  assert.equal(val.shape.n, 6);
  // val_i is annotated with WNIDS[i % 3]; labels index the sorted list.
  const sorted = [...WNIDS].sort();
  assert.deepEqual(Array.from(val.labels), [0, 1, 2, 3, 4, 5].map((i) => sorted.indexOf(WNIDS[i % 3])));
  await assert.rejects(loadDataset('tiny-imagenet', 'test', { dataDir: root, cacheDir: false }), /labelled splits train and val, not 'test'/);
  const small = await planTinyImageNet(path.join(root, 'tiny-imagenet-200'), 'val', { size: 32 }).load();
  assert.deepEqual(small.shape, { n: 6, h: 32, w: 32, c: 3 });
});

test('TinyImageNet: missing classes, undescribed classes, mismatched annotations and bad images are errors', async (t) => {
  const root = tmpDir(t);
  const dir = writeTinyImageNet(root, WNIDS, 2, 3);
  fs.renameSync(path.join(dir, 'train', WNIDS[1]), path.join(dir, 'moved'));
  assert.throws(() => planTinyImageNet(dir, 'train'), new RegExp(`train/${WNIDS[1]}/images: missing class folder for ${WNIDS[1]}`));
  fs.renameSync(path.join(dir, 'moved'), path.join(dir, 'train', WNIDS[1]));

  const ann = path.join(dir, 'val', 'val_annotations.txt');
  const good = fs.readFileSync(ann, 'utf8');
  fs.writeFileSync(ann, good.replace(WNIDS[0], 'n99999999'));
  assert.throws(() => planTinyImageNet(dir, 'val'), /val_annotations\.txt: line 1: expected '<file>\\t<wnid from wnids\.txt>/);
  fs.writeFileSync(ann, good.split('\n').slice(0, 2).join('\n'));
  assert.throws(() => planTinyImageNet(dir, 'val'), /val_annotations\.txt: does not label 1 image\(s\) of val\/images, e\.g\. val_2\.JPEG/);
  fs.writeFileSync(ann, `${good}val_9.JPEG\t${WNIDS[0]}\t0\t0\t1\t1\n`);
  assert.throws(() => planTinyImageNet(dir, 'val'), /val_9\.JPEG: listed in val_annotations\.txt line 4 but missing/);
  fs.writeFileSync(ann, good);

  const words = path.join(dir, 'words.txt');
  fs.writeFileSync(words, 'n00001740\tentity\n');
  assert.throws(() => planTinyImageNet(dir, 'train'), /words\.txt: has no description for 3 class\(es\)/);
  fs.rmSync(words);
  assert.throws(() => planTinyImageNet(dir, 'train'), /words\.txt: missing/);
  write(words, WNIDS.map((w) => `${w}\tx`).join('\n'));

  // An image of the wrong size, then an undecodable one.
  const img = path.join(dir, 'train', WNIDS[2], 'images', `${WNIDS[2]}_0.JPEG`);
  fs.writeFileSync(img, jpegBytes(patternRgb(60, 64, 0), 60, 64));
  await assert.rejects(async () => planTinyImageNet(dir, 'train').load(), new RegExp(`${img}: image is 60×64, expected 64×64`));
  fs.writeFileSync(img, 'not an image');
  await assert.rejects(async () => planTinyImageNet(dir, 'train').load(), new RegExp(`${img}: undecodable image`));
});
