// Headless Chromium (Debian's chromium, driven by playwright-core) trains a tiny network in a Web
// Worker; the weights must be bit-identical to the same seeded run in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumBrowser } from '../tools.js';
import { trainSplit, trainTiny } from './tiny-training.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const chromiumTool = chromiumBrowser();

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

interface RunResult { error?: string; backend: string; threads: number; isolated: boolean; weights: number[][] }

function assertSameWeights(fromBrowser: number[][], fromNode: Float32Array[], what: string): void {
  assert.equal(fromBrowser.length, fromNode.length, `${what}: parameter count`);
  fromNode.forEach((w, i) => {
    const b = new Uint32Array(Float32Array.from(fromBrowser[i]).buffer);
    const n = new Uint32Array(w.buffer);
    assert.deepEqual(b, n, `${what}: parameter ${i} differs between the browser and Node`);
  });
}

test('a Web Worker in headless Chromium trains bit-identically to Node on 1 and 2 threads; the main thread is refused threads', { skip: chromiumTool.skip, timeout: 180_000 }, async () => {
  const chromiumPath = chromiumTool.need();
  const bundle = (entry: string) => build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false,
    external: ['node:*'], logLevel: 'silent',
  });
  // The engine's Worker, and the kernel worker its helper threads run (a separate bundle, served
  // at the URL the engine Worker passes to setThreads).
  const [engineWorker, kernelWorker, kernelsModule] = await Promise.all([
    bundle(join(here, 'worker.js')), bundle(join(root, 'build', 'src', 'engine', 'kernels', 'worker.js')),
    bundle(join(root, 'build', 'src', 'engine', 'kernels', 'index.js')),
  ]);
  const page = `<!doctype html><meta charset="utf-8"><title>bitspike worker test</title><body><pre id="out">training…</pre>
<script type="module">
const out = document.getElementById('out');
function run(job) {
  const w = new Worker('/worker.js', { type: 'module' });
  return new Promise((resolve) => { w.onmessage = (e) => { resolve(e.data); w.terminate();
    out.textContent += '\\n' + (e.data.error ?? (job.run + ': backend ' + e.data.backend + ', ' + e.data.threads + ' thread(s), ' + e.data.weights.length + ' tensors')); }; w.postMessage(job); });
}
// The page's main thread may not block, so threads must be refused there with a reason.
async function mainThreadThreads() {
  const k = await import('/kernels.js');
  try { await k.setThreads(2, { workerUrl: '/kernel-worker.js' }); return 'no error'; } catch (e) { return e.message; }
}
window.results = (async () => [
  await run({ seed: 2024, run: 'tiny', threads: 1 }),
  await run({ seed: 7, run: 'split', threads: 2, kernelWorkerUrl: '/kernel-worker.js' }),
  await mainThreadThreads(),
])();
</script>`;
  const { server, url } = await serve({
    '/': { type: 'text/html', body: page },
    '/worker.js': { type: 'text/javascript', body: engineWorker.outputFiles[0].text },
    '/kernel-worker.js': { type: 'text/javascript', body: kernelWorker.outputFiles[0].text },
    '/kernels.js': { type: 'text/javascript', body: kernelsModule.outputFiles[0].text },
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const p = await browser.newPage();
    await p.goto(url);
    const [tiny, split, mainThread] = await p.evaluate(() => (window as unknown as { results: Promise<[RunResult, RunResult, string]> }).results);
    assert.match(mainThread, /setThreads\(2\).*the browser main thread cannot block in Atomics\.wait; run the engine inside a Web Worker/);
    assert.equal(tiny.error, undefined, tiny.error);
    assert.equal(tiny.backend, 'wasm', 'the browser should run the wasm SIMD kernels');
    assert.equal(split.error, undefined, split.error);
    assert.equal(split.isolated, true, 'the page must be cross-origin isolated for shared memory');
    assert.equal(split.threads, 2, 'the engine Worker should run its kernels on itself plus one helper Web Worker');
    const artifacts = join(root, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await p.screenshot({ path: join(artifacts, 'browser-worker.png') });
    assertSameWeights(tiny.weights, trainTiny(2024), 'tiny network, 1 thread');
    // Node on one thread: the browser's 2-thread result must not depend on the thread count either.
    assertSameWeights(split.weights, trainSplit(7), 'split network, 2 browser threads vs 1 Node thread');
  } finally {
    await browser.close();
    server.close();
  }
});
