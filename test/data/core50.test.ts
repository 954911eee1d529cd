import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CORE50_OBJECTS, CORE50_CATEGORIES, core50Sessions, planCore50 } from '../../src/data/core50.js';
import { loadDataset } from '../../src/data/registry.js';
import { core50NC, core50NI } from '../../src/data/scenario.js';
import { labelHistogram } from '../../src/data/dataset.js';
import { patternRgb, pngBytes, tmpDir, writeCore50 } from './fixtures.js';

test('CORe50: official layout, standard train/test sessions, object and category levels, NC and NI protocols', async (t) => {
  const root = tmpDir(t);
  writeCore50(root, 2);
  const train = await loadDataset('core50', 'train', { dataDir: root, cacheDir: false, size: 8 });
  const test = await loadDataset('core50', 'test', { dataDir: root, cacheDir: false, size: 8 });
  assert.equal(train.shape.n, 8 * 50 * 2);
  assert.equal(test.shape.n, 3 * 50 * 2);
  assert.deepEqual([...new Set(train.sessions)], [1, 2, 4, 5, 6, 8, 9, 11]);
  assert.deepEqual([...new Set(test.sessions)], [3, 7, 10]);
  assert.equal(train.classNames, CORE50_OBJECTS);
  assert.equal(train.classNames[5], 'mobile_phone1');
  assert.deepEqual(Array.from(labelHistogram(train.labels, 50)), new Array(50).fill(16));
  // Pixel check: session 1 object 1 frame 0 → pattern k = 1·5 + 1.
  assert.deepEqual(Array.from(train.images.subarray(0, 192)), Array.from(patternRgb(8, 8, 6)));

  const cat = await planCore50(path.join(root, 'core50', 'core50_128x128'), 'test', { level: 'category', size: 4 }).load();
  assert.equal(cat.classNames, CORE50_CATEGORIES);
  assert.deepEqual(cat.shape, { n: 300, h: 4, w: 4, c: 3 });
  assert.deepEqual(Array.from(labelHistogram(cat.labels, 10)), new Array(10).fill(30));
  assert.deepEqual(Array.from(cat.objects!.subarray(0, 3)), [0, 0, 1]);

  const nc = core50NC(train.objects!, test.objects!, { seed: 3 });
  assert.deepEqual(nc.tasks.map((k) => k.classes.length), [10, 5, 5, 5, 5, 5, 5, 5, 5]);
  assert.equal(nc.tasks[8].cumulativeTest.length, test.shape.n);
  for (const i of nc.tasks[2].train) assert.ok(nc.tasks[2].classes.includes(train.objects![i]));

  const ni = core50NI(train.sessions!, train.labels, test.shape.n, 50);
  assert.equal(ni.tasks.length, 8);
  assert.deepEqual(ni.tasks.map((k) => train.sessions![k.train[0]]), [1, 2, 4, 5, 6, 8, 9, 11]);
  assert.equal(ni.tasks[3].train.length, 100);
  assert.equal(ni.tasks[3].cumulativeTest.length, test.shape.n);
  assert.throws(() => core50NI(train.sessions!, train.labels, test.shape.n, 50, [1, 2, 3, 4, 5, 6, 7, 8]), /must be a permutation of 1,2,4,5,6,8,9,11/);
  assert.deepEqual(core50Sessions('s3,s11'), [3, 11]);
  assert.throws(() => core50Sessions('s12'), /split must be train, test, all/);
});

test('CORe50: missing session or object folders and misplaced files are errors naming the path', async (t) => {
  const root = tmpDir(t);
  const dir = writeCore50(root, 1, 4);
  fs.rmSync(path.join(dir, 's7', 'o33'), { recursive: true });
  assert.throws(() => planCore50(dir, 'test'), /s7\/o33: missing object folder o33/);
  assert.doesNotThrow(() => planCore50(dir, 'train'));
  fs.rmSync(path.join(dir, 's2'), { recursive: true });
  assert.throws(() => planCore50(dir, 'train'), /s2: missing session folder s2/);
  const root2 = tmpDir(t);
  const dir2 = writeCore50(root2, 1, 4);
  fs.renameSync(path.join(dir2, 's3', 'o1', 'C_03_01_000.png'), path.join(dir2, 's3', 'o1', 'C_03_02_000.png'));
  assert.throws(() => planCore50(dir2, 'test'), /C_03_02_000\.png: file name does not match its folder: expected C_03_01_NNN\.png/);
  fs.renameSync(path.join(dir2, 's3', 'o1', 'C_03_02_000.png'), path.join(dir2, 's3', 'o1', 'C_03_01_000.png'));
  const f = path.join(dir2, 's10', 'o50', 'C_10_50_000.png');
  fs.writeFileSync(f, pngBytes(patternRgb(4, 4, 0), 4, 4).subarray(0, 30));
  await assert.rejects(async () => planCore50(dir2, 'test', { size: 4 }).load(), new RegExp(`${f}: undecodable image`));
});
