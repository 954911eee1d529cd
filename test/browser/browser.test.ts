// Headless Chromium (Debian's chromium, driven by playwright-core) trains a tiny network in a Web
// Worker; the weights must be bit-identical to the same seeded run in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { trainTiny } from './tiny-training.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env.CHROMIUM_PATH].find((p) => p && existsSync(p));

async function serve(files: Record<string, { type: string; body: string | Uint8Array }>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const f = files[(req.url ?? '/').split('?')[0]];
    if (!f) { res.writeHead(404).end('not found'); return; }
    // Cross-origin isolation, so SharedArrayBuffer (wasm threads) is available to pages that want it.
    res.writeHead(200, { 'content-type': f.type, 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no server address');
  return { server, url: `http://127.0.0.1:${addr.port}` };
}

test('a Web Worker in headless Chromium trains bit-identically to Node', { skip: chromiumPath || process.env.CI ? false : 'no Chromium found (.ci/run installs Debian chromium)', timeout: 120_000 }, async () => {
  assert.ok(chromiumPath, 'CI must provide Chromium: .ci/run installs the Debian chromium package');
  const bundle = await build({
    entryPoints: [join(here, 'worker.js')], bundle: true, format: 'esm', platform: 'browser', write: false,
    external: ['node:*'], logLevel: 'silent',
  });
  const page = `<!doctype html><meta charset="utf-8"><title>bitspike worker test</title><body><pre id="out">training…</pre>
<script type="module">
const w = new Worker('/worker.js', { type: 'module' });
window.result = new Promise((resolve) => { w.onmessage = (e) => { resolve(e.data);
  document.getElementById('out').textContent = e.data.error ?? ('trained in a Web Worker, backend ' + e.data.backend + ', ' + e.data.weights.length + ' tensors'); }; });
w.postMessage({ seed: 2024 });
</script>`;
  const { server, url } = await serve({
    '/': { type: 'text/html', body: page },
    '/worker.js': { type: 'text/javascript', body: bundle.outputFiles[0].text },
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const p = await browser.newPage();
    await p.goto(url);
    const result = await p.evaluate(() => (window as unknown as { result: Promise<{ error?: string; backend: string; weights: number[][] }> }).result);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.backend, 'wasm', 'the browser should run the wasm SIMD kernels');
    const artifacts = join(root, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await p.screenshot({ path: join(artifacts, 'browser-worker.png') });
    const node = trainTiny(2024);
    assert.equal(result.weights.length, node.length);
    node.forEach((w, i) => {
      const fromBrowser = new Uint32Array(Float32Array.from(result.weights[i]).buffer);
      const fromNode = new Uint32Array(w.buffer);
      assert.deepEqual(fromBrowser, fromNode, `parameter ${i} differs between the browser and Node`);
    });
  } finally {
    await browser.close();
    server.close();
  }
});
