// The web app's .onnx encoder picker in headless Chromium: a PyTorch-exported CNN
// (test/fixtures/onnx/mnist_cnn.onnx) is loaded in the worker, a new learner uses it as its frozen
// backbone, learns two MNIST tasks with GBM, and its memory readout counts the imported weights at
// 32 bits; a file that is not ONNX is refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { parameterCount } from '../../src/onnx/model.js';
import { chromiumBrowser } from '../tools.js';
import { serveDist } from './serveDist.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const dist = join(root, 'web', 'dist');
const encoderFile = join(root, 'test', 'fixtures', 'onnx', 'mnist_cnn.onnx');
const chromiumTool = chromiumBrowser();

const idle = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state="idle"]', { timeout: 60_000 });
const text = (page: Page, id: string): Promise<string> => page.locator(`#${id}`).innerText();

test('web app: an .onnx encoder picked by the user is the frozen backbone of new learners', {
  skip: chromiumTool.skip, timeout: 150_000,
}, async () => {
  const chromiumPath = chromiumTool.need();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'error' });
  const { server, url } = await serveDist(dist);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await idle(page);

    await page.setInputFiles('#encoder', { name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\u0003\u0004 not a model') });
    await idle(page);
    assert.match(await text(page, 'status'), /notes\.onnx: not an ONNX model.*zip archive/);

    await page.setInputFiles('#encoder', encoderFile);
    await idle(page);
    const weights = parameterCount(readOnnxFile(encoderFile));
    assert.match(await text(page, 'encoder-note'), new RegExp(`mnist_cnn\\.onnx: 9 nodes, ${weights} weights \\(32 bits each\\), cut at input '/Flatten_output_0' of the last Gemm.*392 features`));

    await page.fill('#hidden', '32');
    await page.fill('#per-class', '200');
    await page.fill('#epochs', '3');
    await page.click('#new-learner');
    await idle(page);
    for (let task = 0; task < 2; task++) {
      await page.click('#teach-next');
      await idle(page);
    }
    const r = await page.evaluate(() => {
      const memory: Record<string, number> = {};
      document.querySelectorAll<HTMLElement>('[data-testid^="mem-"][data-bits]').forEach((e) => { memory[e.dataset.testid!.slice(4, -5)] = Number(e.dataset.bits); });
      return { memory, accuracy: Number(document.querySelector<HTMLElement>('[data-testid="acc-current"]')!.dataset.value) };
    });
    assert.ok(r.accuracy > 0.5, `accuracy on 4 classes ${r.accuracy}`);
    // Model: imported weights + binarizer (5 × 392: BN γ, β, running mean/var, thresholds) + dense 392→32 + head 32→4, all at 32 bits.
    assert.equal(r.memory.weights, 32 * weights + 32 * 5 * 392 + 32 * (392 * 32 + 32) + 32 * (4 * 32 + 4));
    // The panel's model row (the demo's) adds the class map: 4 classes × 4-bit ids.
    assert.equal(r.memory.model, r.memory.weights + 4 * 4);
    assert.equal(await page.locator('#backbone').inputValue(), 'float', 'an imported encoder is a float backbone');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
