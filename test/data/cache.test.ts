import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { CACHE_MAGIC, decodeCache, encodeCache } from '../../src/data/cache.js';
import { loadDatasetWithStatus } from '../../src/data/registry.js';
import { cifar100Members, tarBytes, tmpDir, write, writeMnist } from './fixtures.js';

function cacheFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

test('cache: first load builds, second is a validated hit with identical content (all optional fields kept)', async (t) => {
  const root = tmpDir(t);
  const cache = path.join(root, 'cache');
  write(path.join(root, 'data', 'cifar100', 'cifar-100-binary.tar.gz'), zlib.gzipSync(tarBytes(cifar100Members(1))));
  const opts = { dataDir: path.join(root, 'data'), cacheDir: cache };
  const a = await loadDatasetWithStatus('cifar100', 'train', opts);
  assert.equal(a.status, 'miss');
  const b = await loadDatasetWithStatus('cifar100', 'train', opts);
  assert.equal(b.status, 'hit');
  assert.deepEqual(b.dataset.images, a.dataset.images);
  assert.deepEqual(b.dataset.labels, a.dataset.labels);
  assert.deepEqual(b.dataset.coarseLabels, a.dataset.coarseLabels);
  assert.deepEqual(b.dataset.coarseClassNames, a.dataset.coarseClassNames);
  assert.deepEqual(b.dataset.shape, a.dataset.shape);
  assert.equal(cacheFiles(cache).length, 1);
  assert.ok(!cacheFiles(cache).some((f) => f.endsWith('.tmp')), 'no temp files left behind');
  const disabled = await loadDatasetWithStatus('cifar100', 'train', { ...opts, cacheDir: false });
  assert.equal(disabled.status, 'disabled');
});

test('cache: corrupt, truncated or foreign cache files are discarded and rebuilt, never trusted', async (t) => {
  const root = tmpDir(t);
  const cache = path.join(root, 'cache');
  writeMnist(path.join(root, 'data', 'mnist'), { train: 30, test: 20 });
  const opts = { dataDir: path.join(root, 'data'), cacheDir: cache };
  const ref = (await loadDatasetWithStatus('mnist', 'test', opts)).dataset;
  const [file] = cacheFiles(cache);
  const good = fs.readFileSync(file);
  const damage: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['flipped payload byte', (b) => { const c = Buffer.from(b); c[c.length - 100] ^= 0x55; return c; }, /payload checksum mismatch/],
    ['truncated', (b) => b.subarray(0, b.length - 10), /payload is \d+ bytes, header says/],
    ['bad magic', (b) => { const c = Buffer.from(b); c[0] = 0; return c; }, /bad magic/],
    ['future version', (b) => { const c = Buffer.from(b); c.writeUInt32LE(99, 8); return c; }, /format version 99/],
    ['empty', () => Buffer.alloc(0), /bad magic/],
  ];
  for (const [what, f, reason] of damage) {
    fs.writeFileSync(file, f(good));
    const r = await loadDatasetWithStatus('mnist', 'test', opts);
    assert.equal(r.status, 'rebuilt', what);
    assert.match(r.reason!, reason, what);
    assert.deepEqual(r.dataset.images, ref.images, what);
    assert.deepEqual(fs.readFileSync(file), good, `${what}: cache rewritten`);
  }
});

test('cache: a changed source file changes the key (new load), and an unwritable cache dir only warns', async (t) => {
  const root = tmpDir(t);
  const cache = path.join(root, 'cache');
  writeMnist(path.join(root, 'data', 'mnist'), { train: 30, test: 20 });
  const opts = { dataDir: path.join(root, 'data'), cacheDir: cache };
  await loadDatasetWithStatus('mnist', 'test', opts);
  writeMnist(path.join(root, 'data', 'mnist'), { train: 30, test: 10 });
  const r = await loadDatasetWithStatus('mnist', 'test', opts);
  assert.equal(r.status, 'miss');
  assert.equal(r.dataset.shape.n, 10);
  const blocker = write(path.join(root, 'not-a-dir'), 'x'); // mkdir under a file fails even as root
  const warnings: string[] = [];
  const onWarn = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarn);
  const w = await loadDatasetWithStatus('mnist', 'test', { ...opts, cacheDir: path.join(blocker, 'cache') });
  await new Promise((res) => setImmediate(res));
  process.off('warning', onWarn);
  assert.equal(w.dataset.shape.n, 10);
  assert.ok(warnings.some((m) => /could not write dataset cache/.test(m)), warnings.join('; '));
});

test('cache format: magic, version, key and header are checked by decodeCache', async (t) => {
  const root = tmpDir(t);
  writeMnist(path.join(root, 'mnist'), { train: 10, test: 10 });
  const ds = (await loadDatasetWithStatus('mnist', 'train', { dataDir: root, cacheDir: false })).dataset;
  const buf = encodeCache(ds, 'k1');
  assert.equal(buf.toString('latin1', 0, 8), CACHE_MAGIC);
  assert.equal(buf.readUInt32LE(8), 1);
  assert.deepEqual(decodeCache(buf, 'k1').images, ds.images);
  assert.throws(() => decodeCache(buf, 'k2'), /key mismatch/);
});
