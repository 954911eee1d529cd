import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { CilNet } from '../../src/cil/model.js';
import { encodeAll, infoNce, pretrainCached, pretrainEncoder, pretrainKey, rotateImages } from '../../src/cil/pretrain.js';
import { linearProbe } from '../../src/cil/probe.js';
import { pretrainData, SIZE, syntheticData, tinyConfig } from './fixtures.js';

test('rotateImages: four quarter turns are the identity; one turn moves the top-right corner to the top-left', () => {
  const g = { height: 3, width: 3, channels: 2 };
  const img = Uint8Array.from({ length: 18 }, (_, i) => i);
  let r: Uint8Array = img;
  for (let k = 0; k < 4; k++) r = rotateImages(r, g, [1]);
  assert.deepEqual(r, img);
  const one = rotateImages(img, g, [1]);
  // Counter-clockwise: source (y=0, x=2) lands at (y=0, x=0).
  assert.deepEqual([one[0], one[1]], [img[(0 * 3 + 2) * 2], img[(0 * 3 + 2) * 2 + 1]]);
  assert.deepEqual(rotateImages(img, g, [2]), rotateImages(rotateImages(img, g, [1]), g, [1]));
  assert.throws(() => rotateImages(new Uint8Array(6), { height: 2, width: 3, channels: 1 }, [1]), /square/);
});

test('InfoNCE is low for matching views and high for mismatched ones', () => {
  const rng = new Rng(3), N = 8, D = 64;
  const z = Float32Array.from({ length: N * D }, () => (rng.bernoulli(0.5) ? 1 : -1));
  const same = infoNce(new Tensor(z, [N, D]), new Tensor(z, [N, D]), 0.2).item();
  const shifted = new Float32Array(z.length);
  shifted.set(z.subarray(D)); shifted.set(z.subarray(0, D), (N - 1) * D);
  const other = infoNce(new Tensor(z, [N, D]), new Tensor(shifted, [N, D]), 0.2).item();
  assert.ok(same < 0.2, `matching views: ${same}`);
  assert.ok(other > Math.log(N), `mismatched views: ${other}`);
});

for (const ssl of ['rotation', 'infonce', 'none'] as const) {
  test(`pre-training (${ssl}) lowers its loss and learns the base classes on a seeded run`, () => {
    const { record } = pretrainEncoder(tinyConfig([`pretrain.ssl=${ssl}`]), null, pretrainData(syntheticData()));
    const h = record.history;
    assert.equal(h.length, 12);
    assert.ok(h[h.length - 1].loss < h[0].loss, `loss ${h[0].loss} → ${h[h.length - 1].loss}`);
    if (ssl !== 'none') assert.ok(h[h.length - 1].ssl < h[0].ssl, `ssl ${h[0].ssl} → ${h[h.length - 1].ssl}`);
    else assert.equal(h[0].ssl, 0);
    assert.ok(record.baseTestAccuracy > 0.6, `base test accuracy ${record.baseTestAccuracy} (chance 0.25)`);
    assert.ok(record.deploymentProbeAccuracy > 1 / 6, `deployment-class probe ${record.deploymentProbeAccuracy} (chance 1/6)`);
  });
}

test('pre-training improves a linear probe on the base classes over the untrained encoder', () => {
  // Heavy noise so random binary features are not already enough.
  const data = pretrainData(syntheticData({ noise: 0.35, perClass: 40 }));
  const c = tinyConfig();
  const probe = (net: CilNet): number => linearProbe(encodeAll(net, data.base.train), data.base.train.y, encodeAll(net, data.base.test), data.base.test.y, 64, { seed: 1 });
  const untrained = new CilNet(c.model, SIZE * SIZE, null, new Rng(c.seed).split().split());
  const trained = new CilNet(c.model, SIZE * SIZE, null, new Rng(0));
  trained.encoder.loadStateDict(pretrainEncoder(c, null, data).weights);
  const [u, t] = [probe(untrained), probe(trained)];
  assert.ok(t > u + 0.05, `probe accuracy untrained ${u} → pre-trained ${t}`);
});

test('pre-training is deterministic and cached once per (data, model, pre-training, seed)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-fbnn-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const data = pretrainData(syntheticData());
  const c = tinyConfig(['pretrain.epochs=2']);
  const a = pretrainCached(c, null, data, dir);
  const b = pretrainCached(c, null, data, dir);
  assert.equal(a.cached, false);
  assert.equal(b.cached, true);
  assert.deepEqual(b.weights, a.weights);
  assert.deepEqual(b.record, a.record);
  assert.deepEqual(pretrainEncoder(c, null, data).weights, a.weights, 'same seed, same weights');
  assert.notEqual(pretrainKey(tinyConfig(['pretrain.ssl=none']), null), pretrainKey(c, null));
  assert.equal(pretrainKey(tinyConfig(['strategy.lossBalance=0.9', 'training.epochs=9']), null), pretrainKey(tinyConfig(), null), 'strategy and training settings do not change the key');
  const file = path.join(dir, `pretrain-${pretrainKey(c, null)}.json`);
  fs.writeFileSync(file, '{"format":"other"}');
  assert.throws(() => pretrainCached(c, null, data, dir), /not a pre-training cache/);
});
