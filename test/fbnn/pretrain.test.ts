import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { FeatureExtractor } from '../../src/fbnn/model.js';
import { infoNce, latentsOf, pretrain, pretrainCached, pretrainKey, rotateImages } from '../../src/fbnn/pretrain.js';
import { linearProbe } from '../../src/fbnn/probe.js';
import { syntheticData, tinyConfig } from './fixtures.js';

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
    const data = syntheticData();
    const { result } = pretrain(tinyConfig({ 'pretrain.ssl': ssl, 'pretrain.epochs': 12 }), data);
    const h = result.history;
    assert.equal(h.length, 12);
    assert.ok(h[h.length - 1].loss < h[0].loss, `loss ${h[0].loss} → ${h[h.length - 1].loss}`);
    if (ssl !== 'none') assert.ok(h[h.length - 1].ssl < h[0].ssl, `ssl ${h[0].ssl} → ${h[h.length - 1].ssl}`);
    else assert.equal(h[0].ssl, 0);
    assert.ok(result.baseTestAccuracy > 0.6, `base test accuracy ${result.baseTestAccuracy} (chance 0.25)`);
  });
}

test('pre-training improves a linear probe on the base classes over the untrained extractor', () => {
  // Heavy noise so random binary features are not already enough.
  const data = syntheticData({ noise: 0.35, perClass: 40 });
  const c = tinyConfig();
  const probe = (fe: FeatureExtractor): number => linearProbe(latentsOf(fe, data.base.train), data.base.train.y, latentsOf(fe, data.base.test), data.base.test.y, 64, { seed: 1 });
  const untrained = probe(new FeatureExtractor(data.geometry, c.model, new Rng(c.seed).split().split()));
  const trained = probe(pretrain(c, data).fe);
  assert.ok(trained > untrained + 0.05, `probe accuracy untrained ${untrained} → pre-trained ${trained}`);
});

test('pre-training is deterministic and cached once per (data, model, pre-training, seed)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-fbnn-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const data = syntheticData();
  const c = tinyConfig({ 'pretrain.epochs': 2 });
  const a = pretrainCached(c, data, dir);
  const b = pretrainCached(c, data, dir);
  assert.equal(a.hit, false);
  assert.equal(b.hit, true);
  assert.deepEqual(b.result.weights, a.result.weights);
  assert.deepEqual(latentsOf(b.fe, data.base.test), latentsOf(a.fe, data.base.test));
  assert.deepEqual(pretrain(c, data).result.weights, a.result.weights, 'same seed, same weights');
  assert.notEqual(pretrainKey(tinyConfig({ 'pretrain.ssl': 'none' })), pretrainKey(c));
  assert.equal(pretrainKey(tinyConfig({ 'replay.lossBalance': 0.9 })), pretrainKey(tinyConfig()), 'replay settings do not change the key');
  fs.writeFileSync(a.file!, '{"format":"other"}');
  assert.throws(() => pretrainCached(c, data, dir), /not a pre-training cache/);
});
