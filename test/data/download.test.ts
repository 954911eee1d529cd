import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { downloadDataset } from '../../src/data/download.js';
import { extractZip } from '../../src/data/extract.js';
import { loadDataset } from '../../src/data/registry.js';
import type { RemoteDataset } from '../../src/data/sources.js';
import { cifar10Members, tarBytes, tmpDir, write, writeTinyImageNet } from './fixtures.js';

interface Served { body: Uint8Array; cutFirst?: boolean; ignoreRange?: boolean }
interface Log { url: string; range?: string }

/** A loopback-only fixture server: Range support, optional mid-body disconnect, redirects. */
async function serve(t: { after(fn: () => void): void }, files: Record<string, Served>): Promise<{ base: string; log: Log[] }> {
  const log: Log[] = [];
  const cut = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    log.push({ url, range: req.headers.range });
    if (url.startsWith('/moved/')) { res.writeHead(302, { location: `/files/${url.slice(7)}` }); res.end(); return; }
    const f = files[url.replace(/^\/files\//, '')];
    if (!f) { res.writeHead(404); res.end('not found'); return; }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !f.ignoreRange) {
      start = Number(m[1]);
      if (start >= f.body.length) { res.writeHead(416, { 'content-range': `bytes */${f.body.length}` }); res.end(); return; }
      res.writeHead(206, { 'content-length': f.body.length - start, 'content-range': `bytes ${start}-${f.body.length - 1}/${f.body.length}` });
    } else res.writeHead(200, { 'content-length': f.body.length, 'accept-ranges': 'bytes' });
    if (f.cutFirst && !cut.has(url)) {
      cut.add(url);
      // Send the first ~40% and drop the connection, as a flaky network would.
      res.write(f.body.subarray(start, start + Math.floor(f.body.length * 0.4)), () => res.destroy());
      return;
    }
    res.end(f.body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const { port } = server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}/files/`, log };
}

const md5 = (b: Uint8Array): string => crypto.createHash('md5').update(b).digest('hex');

function remote(base: string, file: string, body: Uint8Array, extra: Partial<RemoteDataset['files'][number]> = {}, dir = 'cifar10'): RemoteDataset {
  return { name: 'cifar10', dir, mirrors: [base], files: [{ file, md5: md5(body), size: body.length, ...extra }] };
}

test('download: fetch, verify md5 and size, extract the .tar.gz; the loader reads the result; rerun is a no-op', async (t) => {
  const dir = tmpDir(t);
  const tgz = zlib.gzipSync(tarBytes(cifar10Members(1)));
  const { base, log } = await serve(t, { 'cifar-10-binary.tar.gz': { body: tgz } });
  const rd = remote(base, 'cifar-10-binary.tar.gz', tgz, { extract: 'tar.gz' });
  const [r] = await downloadDataset('cifar10', dir, { remote: rd });
  assert.equal(r.status, 'downloaded');
  assert.equal(r.extracted, 7);
  assert.ok(fs.existsSync(path.join(dir, 'cifar10', 'cifar-10-batches-bin', 'data_batch_5.bin')));
  const ds = await loadDataset('cifar10', 'train', { dataDir: dir, cacheDir: false });
  assert.equal(ds.shape.n, 50);
  const [again] = await downloadDataset('cifar10', dir, { remote: rd });
  assert.equal(again.status, 'present');
  assert.equal(log.length, 1, 'no second request');
});

test('download: a connection cut midway is resumed with a Range request and verified', async (t) => {
  const dir = tmpDir(t);
  const body = crypto.randomBytes(300_000);
  const { base, log } = await serve(t, { 'blob.bin': { body, cutFirst: true } });
  const logs: string[] = [];
  const [r] = await downloadDataset('cifar10', dir, { remote: remote(base, 'blob.bin', body), log: (l) => logs.push(l) });
  assert.equal(r.status, 'downloaded');
  assert.equal(r.resumed, true);
  assert.equal(log.length, 2);
  assert.equal(log[0].range, undefined);
  assert.match(log[1].range!, /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(log[1].range!)![0]) > 0);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'cifar10', 'blob.bin')), body);
  assert.ok(!fs.existsSync(path.join(dir, 'cifar10', 'blob.bin.part')));
  assert.ok(logs.some((l) => /attempt 1 failed/.test(l)), logs.join('\n'));
});

test('download: a partial file left by an earlier run is resumed; a server ignoring Range restarts cleanly', async (t) => {
  const dir = tmpDir(t);
  const body = crypto.randomBytes(100_000);
  const { base, log } = await serve(t, { 'a.bin': { body }, 'b.bin': { body, ignoreRange: true } });
  write(path.join(dir, 'cifar10', 'a.bin.part'), body.subarray(0, 60_000));
  const [a] = await downloadDataset('cifar10', dir, { remote: remote(base, 'a.bin', body) });
  assert.equal(a.resumed, true);
  assert.equal(log[0].range, 'bytes=60000-');
  write(path.join(dir, 'cifar10', 'b.bin.part'), body.subarray(0, 60_000));
  const [b] = await downloadDataset('cifar10', dir, { remote: remote(base, 'b.bin', body) });
  assert.equal(b.resumed, false);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'cifar10', 'b.bin')), body);
  // A stale partial that is longer than the file is discarded, not appended to.
  write(path.join(dir, 'cifar10', 'c.bin.part'), crypto.randomBytes(150_000));
  const { base: base2 } = await serve(t, { 'c.bin': { body } });
  await downloadDataset('cifar10', dir, { remote: remote(base2, 'c.bin', body) });
  assert.deepEqual(fs.readFileSync(path.join(dir, 'cifar10', 'c.bin')), body);
});

test('download: checksum and size mismatches delete the download and name the expectation; 404 fails clearly', async (t) => {
  const dir = tmpDir(t);
  const body = crypto.randomBytes(5000);
  const { base } = await serve(t, { 'x.bin': { body } });
  const wrong: RemoteDataset = { name: 'cifar10', dir: 'cifar10', mirrors: [base], files: [{ file: 'x.bin', md5: '0123456789abcdef0123456789abcdef' }] };
  await assert.rejects(downloadDataset('cifar10', dir, { remote: wrong }), new RegExp(`x\\.bin: md5 ${md5(body)} does not match the published 0123456789abcdef0123456789abcdef; the download was deleted`));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'cifar10')), []);
  const big: RemoteDataset = { ...wrong, files: [{ file: 'x.bin', md5: md5(body), size: 6000 }] };
  await assert.rejects(downloadDataset('cifar10', dir, { remote: big, attempts: 1 }), /downloaded 5000 bytes, expected 6000/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'cifar10')), []);
  const missing: RemoteDataset = { ...wrong, files: [{ file: 'nope.bin', md5: md5(body) }] };
  await assert.rejects(downloadDataset('cifar10', dir, { remote: missing }), /nope\.bin: download failed: HTTP 404/);
  // Redirects are followed (official hosts redirect http → https); --url replaces the mirrors.
  const ok: RemoteDataset = { ...wrong, files: [{ file: 'x.bin', md5: md5(body) }] };
  const [r] = await downloadDataset('cifar10', dir, { remote: ok, baseUrl: base.replace('/files/', '/moved/') });
  assert.equal(r.status, 'downloaded');
  await assert.rejects(downloadDataset('nosuch', dir), /no download source for this dataset/);
});

test('zip archives: download + extract a TinyImageNet zip; CRC corruption and unsafe names are refused', async (t) => {
  const dir = tmpDir(t);
  const src = tmpDir(t);
  const tin = writeTinyImageNet(src, ['n01', 'n02'], 2, 2);
  const entries: Record<string, Uint8Array> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else entries[path.relative(src, p).split(path.sep).join('/')] = fs.readFileSync(p);
    }
  };
  walk(tin);
  const zip = zipSync(entries);
  const { base } = await serve(t, { 'tiny-imagenet-200.zip': { body: zip, cutFirst: true } });
  const [r] = await downloadDataset('tiny-imagenet', dir, { remote: remote(base, 'tiny-imagenet-200.zip', zip, { extract: 'zip' }, 'tiny-imagenet') });
  assert.equal(r.extracted, Object.keys(entries).length);
  const ds = await loadDataset('tiny-imagenet', 'train', { dataDir: dir, cacheDir: false });
  assert.equal(ds.shape.n, 4);

  const stored = zipSync({ 'a/b.txt': new TextEncoder().encode('hello hello hello') }, { level: 0 });
  const bad = Buffer.from(stored);
  bad[bad.indexOf('hello') + 1] ^= 1;
  const badZip = write(path.join(dir, 'bad.zip'), bad);
  assert.throws(() => extractZip(badZip, path.join(dir, 'out')), /bad\.zip: zip entry 'a\/b\.txt' fails its CRC-32 check/);
  const evil = write(path.join(dir, 'evil.zip'), zipSync({ '../evil.txt': new Uint8Array([1]) }));
  assert.throws(() => extractZip(evil, path.join(dir, 'out')), /refusing unsafe entry name '\.\.\/evil\.txt'/);
  assert.ok(!fs.existsSync(path.join(dir, 'evil.txt')));
  const cut = write(path.join(dir, 'cut.zip'), zip.subarray(0, zip.length - 30));
  assert.throws(() => extractZip(cut, path.join(dir, 'out2')), /cut\.zip: (not a zip archive or truncated|truncated zip)/);
});
