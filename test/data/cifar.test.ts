import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseCifarRecords, planCifar } from '../../src/data/cifar.js';
import { readTar } from '../../src/data/tar.js';
import { cifar100Members, cifar10Members, cifarRecords, tarBytes, tmpDir, write } from './fixtures.js';

function writeMembers(dir: string, members: { name: string; data: Uint8Array | string }[]): void {
  for (const m of members) write(path.join(dir, m.name), m.data);
}

test('CIFAR records: CHW planes become HWC pixels, labels (and CIFAR-100 coarse labels) kept', () => {
  const r10 = cifarRecords('cifar10', 2, 3);
  const p = parseCifarRecords(r10.bytes, 'b', 'cifar10');
  assert.deepEqual(p.images, r10.hwc);
  assert.deepEqual(Array.from(p.labels), r10.labels);
  const r100 = cifarRecords('cifar100', 1, 4);
  const q = parseCifarRecords(r100.bytes, 'b', 'cifar100');
  assert.deepEqual(q.images, r100.hwc);
  assert.deepEqual(Array.from(q.labels), r100.labels);
  assert.deepEqual(Array.from(q.coarse!), r100.coarse);
});

test('CIFAR records: wrong sizes and labels out of range are errors naming the file', () => {
  const r = cifarRecords('cifar10', 1, 3).bytes;
  assert.throws(() => parseCifarRecords(r.subarray(0, r.length - 1), 'data_batch_1.bin', 'cifar10'), /data_batch_1\.bin: size 30729 is not a positive multiple of the 3073-byte cifar10 record/);
  assert.throws(() => parseCifarRecords(new Uint8Array(0), 'e.bin', 'cifar10'), /e\.bin: size 0/);
  const bad = r.slice(); bad[3073] = 10;
  assert.throws(() => parseCifarRecords(bad, 'x.bin', 'cifar10'), /x\.bin: record 1: label 10 is outside \[0, 10\)/);
  // A CIFAR-10 file read as CIFAR-100 does not line up with 3074-byte records.
  assert.throws(() => parseCifarRecords(r, 'x.bin', 'cifar100'), /3074-byte cifar100 record/);
});

test('CIFAR-10: extracted folder and official .tar.gz load identically, in batch order', async (t) => {
  const dir = tmpDir(t);
  const members = cifar10Members(2);
  writeMembers(path.join(dir, 'folder'), members);
  write(path.join(dir, 'tgz', 'cifar-10-binary.tar.gz'), zlib.gzipSync(tarBytes(members)));
  const a = await planCifar(path.join(dir, 'folder'), 'cifar10', 'train').load();
  const b = await planCifar(path.join(dir, 'tgz'), 'cifar10', 'train').load();
  // The extracted folder itself also works as the dataset dir.
  const c = await planCifar(path.join(dir, 'folder', 'cifar-10-batches-bin'), 'cifar10', 'test').load();
  assert.deepEqual(a.shape, { n: 100, h: 32, w: 32, c: 3 });
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.classNames, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  assert.deepEqual(a.images.subarray(20 * 3072, 40 * 3072), cifarRecords('cifar10', 2, 2).hwc);
  assert.equal(c.shape.n, 20);
});

test('CIFAR-100: fine and coarse labels and names from the binary layout', async (t) => {
  const dir = tmpDir(t);
  write(path.join(dir, 'cifar-100-binary.tar.gz'), zlib.gzipSync(tarBytes(cifar100Members(2))));
  const ds = await planCifar(dir, 'cifar100', 'train').load();
  assert.equal(ds.shape.n, 200);
  assert.equal(ds.classNames.length, 100);
  assert.equal(ds.coarseClassNames!.length, 20);
  assert.equal(ds.classNames[42], 'fine42');
  const src = cifarRecords('cifar100', 2, 5);
  assert.deepEqual(Array.from(ds.coarseLabels!), src.coarse);
  assert.deepEqual(Array.from(ds.labels), src.labels);
});

test('CIFAR corrupt and truncated copies: every defect is an error naming the file', async (t) => {
  const dir = tmpDir(t);
  const members = cifar10Members(2);
  const fresh = (name: string): string => { const d = path.join(dir, name); writeMembers(d, members); return d; };
  const bin = (d: string, f: string): string => path.join(d, 'cifar-10-batches-bin', f);

  let d = fresh('trunc');
  fs.truncateSync(bin(d, 'data_batch_3.bin'), 3073 * 20 - 100);
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), new RegExp(`${bin(d, 'data_batch_3.bin')}: size .* not a positive multiple`));

  // Cut exactly on a record boundary: caught by the equal-batch check.
  d = fresh('recordcut');
  fs.truncateSync(bin(d, 'data_batch_2.bin'), 3073 * 19);
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), /data_batch_2\.bin: has 19 records, data_batch_1\.bin has 20/);

  d = fresh('testcut');
  fs.truncateSync(bin(d, 'test_batch.bin'), 3073 * 19);
  await assert.rejects(async () => planCifar(d, 'cifar10', 'test').load(), /test_batch\.bin: class \d+ has 1 images but class 0 has 2: official CIFAR splits are balanced/);

  d = fresh('names');
  write(bin(d, 'batches.meta.txt'), 'airplane\nautomobile\n');
  await assert.rejects(async () => planCifar(d, 'cifar10', 'test').load(), /batches\.meta\.txt: has 2 class names, expected 10/);

  d = fresh('nometa');
  fs.rmSync(bin(d, 'batches.meta.txt'));
  await assert.rejects(async () => planCifar(d, 'cifar10', 'test').load(), /batches\.meta\.txt: missing/);

  d = fresh('nobatch');
  fs.rmSync(bin(d, 'data_batch_4.bin'));
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), /data_batch_4\.bin: missing/);

  assert.throws(() => planCifar(path.join(dir, 'empty-does-not-exist'), 'cifar10', 'train'), /no cifar10 data found: expected cifar-10-batches-bin\/data_batch_1\.bin/);

  const tgz = zlib.gzipSync(tarBytes(members));
  d = path.join(dir, 'tgzcut');
  write(path.join(d, 'cifar-10-binary.tar.gz'), tgz.subarray(0, tgz.length - 1000));
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), /cifar-10-binary\.tar\.gz: gzip stream is corrupt or truncated/);

  d = path.join(dir, 'tarcut');
  const tar = tarBytes(members);
  write(path.join(d, 'cifar-10-binary.tar.gz'), zlib.gzipSync(tar.subarray(0, 3 * 512 + 70000)));
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), /cifar-10-binary\.tar\.gz: truncated tar archive/);

  d = path.join(dir, 'tarmissing');
  write(path.join(d, 'cifar-10-binary.tar.gz'), zlib.gzipSync(tarBytes(members.filter((m) => !m.name.endsWith('data_batch_5.bin')))));
  await assert.rejects(async () => planCifar(d, 'cifar10', 'train').load(), /cifar-10-binary\.tar\.gz:cifar-10-batches-bin\/data_batch_5\.bin: missing from the archive/);
});

test('tar reader: checksums are verified', () => {
  const tar = tarBytes([{ name: 'a.txt', data: 'hello' }]);
  assert.equal(new TextDecoder().decode(readTar(tar, 't')[0].data), 'hello');
  const bad = tar.slice(); bad[0] ^= 1;
  assert.throws(() => readTar(bad, 'arch.tar'), /arch\.tar: corrupt tar header at byte 0: checksum/);
});
