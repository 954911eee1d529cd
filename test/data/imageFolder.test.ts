import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../../src/data/image.js';
import { planImageFolder } from '../../src/data/imageFolder.js';
import { planCifar } from '../../src/data/cifar.js';
import { jpegBytes, patternRgb, pngBytes, tmpDir, write } from './fixtures.js';

test('decodeImage: PNG is lossless, JPEG close, greyscale expands or converts; format by magic bytes', () => {
  const rgb = patternRgb(5, 4, 3);
  const p = decodeImage(pngBytes(rgb, 5, 4), 'a.png');
  assert.deepEqual([p.width, p.height, p.channels], [5, 4, 3]);
  assert.deepEqual(Array.from(p.data), Array.from(rgb));
  const j = decodeImage(jpegBytes(patternRgb(16, 16, 40), 16, 16, 100), 'a.jpg');
  const ref = patternRgb(16, 16, 40);
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(j.data[i] - ref[i]));
  assert.ok(err <= 12, `max JPEG error ${err}`);
  const grey = decodeImage(pngBytes(rgb, 5, 4, true), 'g.png');
  assert.equal(grey.data[3], grey.data[4]); // R = G = B after expansion
  const one = decodeImage(pngBytes(rgb, 5, 4), 'a.png', 1);
  assert.equal(one.data.length, 20);
  assert.equal(one.data[0], Math.round((299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]) / 1000));
  // A PNG named .jpg decodes by its content.
  assert.deepEqual(Array.from(decodeImage(pngBytes(rgb, 5, 4), 'x.jpg').data), Array.from(rgb));
});

test('decodeImage: garbage, truncated PNG and truncated JPEG are errors naming the file', () => {
  assert.throws(() => decodeImage(new TextEncoder().encode('hello world'), 'd/x.png'), /d\/x\.png: undecodable image: not a PNG or JPEG/);
  const png = pngBytes(patternRgb(8, 8, 1), 8, 8);
  assert.throws(() => decodeImage(png.subarray(0, png.length - 20), 'd/t.png'), /d\/t\.png: undecodable image/);
  const jpg = jpegBytes(patternRgb(32, 32, 1), 32, 32);
  assert.throws(() => decodeImage(jpg.subarray(0, jpg.length >> 1), 'd/t.jpg'), /d\/t\.jpg: undecodable image/);
  const flipped = png.slice(); flipped[40] ^= 0xff; // inside IHDR/IDAT: CRC fails
  assert.throws(() => decodeImage(flipped, 'd/c.png'), /d\/c\.png: undecodable image/);
});

test('image folder: classes sorted naturally, files in natural order, labels follow folders', async (t) => {
  const root = tmpDir(t);
  const names = ['cat', 'dog', 'emu'];
  names.forEach((c, k) => {
    for (const i of [10, 2, 1]) write(path.join(root, 'train', c, `img${i}.png`), pngBytes(patternRgb(6, 6, k * 50 + i), 6, 6));
  });
  write(path.join(root, 'train', 'dog', '.DS_Store'), 'junk');
  write(path.join(root, 'train', 'dog', 'notes.txt'), 'ignored');
  const plan = planImageFolder(root, 'train');
  assert.equal(path.basename(plan.files[1]), 'img2.png');
  const ds = await plan.load();
  assert.deepEqual(ds.classNames, names);
  assert.deepEqual(ds.shape, { n: 9, h: 6, w: 6, c: 3 });
  assert.deepEqual(Array.from(ds.labels), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(ds.images.subarray(5 * 108, 6 * 108)), Array.from(patternRgb(6, 6, 50 + 10)));
  const small = await planImageFolder(root, 'train', { size: 3, channels: 1 }).load();
  assert.deepEqual(small.shape, { n: 9, h: 3, w: 3, c: 1 });
});

test('image folder: missing classes, empty classes, mixed sizes and undecodable files are errors naming the path', async (t) => {
  const root = tmpDir(t);
  write(path.join(root, 'train', 'a', '0.png'), pngBytes(patternRgb(4, 4, 1), 4, 4));
  write(path.join(root, 'train', 'b', '0.png'), pngBytes(patternRgb(4, 4, 2), 4, 4));
  assert.throws(() => planImageFolder(root, 'train', { classNames: ['a', 'b', 'c'] }), /train: missing class folder\(s\): c/);
  assert.throws(() => planImageFolder(root, 'train', { classNames: ['a'] }), /unexpected class folder\(s\): b/);
  assert.throws(() => planImageFolder(root, 'test'), /split folder 'test' not found/);
  fs.mkdirSync(path.join(root, 'train', 'c'));
  assert.throws(() => planImageFolder(root, 'train'), (e: Error) => e.message.startsWith(path.join(root, 'train', 'c')) && /has no \.png\/\.jpg images/.test(e.message));
  fs.rmdirSync(path.join(root, 'train', 'c'));
  const odd = write(path.join(root, 'train', 'b', '1.png'), pngBytes(patternRgb(5, 4, 2), 5, 4));
  await assert.rejects(async () => planImageFolder(root, 'train').load(), new RegExp(`${odd}: image is 5×4, expected 4×4`));
  fs.rmSync(odd);
  const broken = write(path.join(root, 'train', 'b', '2.jpg'), jpegBytes(patternRgb(4, 4, 9), 4, 4).subarray(0, 100));
  await assert.rejects(async () => planImageFolder(root, 'train').load(), new RegExp(`${broken}: undecodable image`));
});

test('CIFAR-10 JPEG folder layout: fixed class order, 32×32 and balance enforced', async (t) => {
  const root = tmpDir(t);
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  classes.forEach((c, k) => { for (let i = 0; i < 2; i++) write(path.join(root, 'test', c, `000${i}.jpg`), jpegBytes(patternRgb(32, 32, k), 32, 32)); });
  const ds = await planCifar(root, 'cifar10', 'test').load();
  assert.deepEqual(ds.classNames, classes);
  assert.equal(ds.shape.n, 20);
  fs.rmSync(path.join(root, 'test', 'ship', '0001.jpg'));
  await assert.rejects(async () => planCifar(root, 'cifar10', 'test').load(), /class 8 has 1 images but class 0 has 2/);
  fs.rmSync(path.join(root, 'test', 'ship'), { recursive: true });
  assert.throws(() => planCifar(root, 'cifar10', 'test'), /missing class folder\(s\): ship/);
});
