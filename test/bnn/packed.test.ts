import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { BinaryNet } from '../../src/bnn/binaryNet.js';
import { FBNN_PRESETS } from '../../src/bnn/fbnnLayout.js';
import { deploy, foldThreshold } from '../../src/bnn/deploy.js';
import { PackedNet } from '../../src/bnn/packedInference.js';
import { imageBytes } from '../../src/bnn/inputEncoding.js';
import { preActivation } from '../../src/bnn/scaledSign.js';
import { steSign } from '../../src/bnn/quantizers.js';
import { randomImages, randomizeAffine, randomSpec, simulate } from './helpers.js';

test('packed XNOR-popcount inference equals the float simulation on 60 random networks (scores and predictions)', () => {
  const rng = new Rng(4242);
  let aligned = 0, gathered = 0, flipped = 0;
  for (let t = 0; t < 60; t++) {
    const spec = randomSpec(rng);
    const net = new BinaryNet(spec, rng.split());
    randomizeAffine(net, rng);
    const n = 9;
    const images = randomImages(rng, n, imageBytes(spec.input));
    const sim = simulate(net, images, n);
    const model = deploy(net);
    const packed = new PackedNet(model).predict(images, n, 4);
    assert.deepEqual(Array.from(packed.scores), Array.from(sim.scores), `network ${t}: ${JSON.stringify(spec)}`);
    assert.deepEqual(packed.predictions, sim.predictions, `network ${t}`);
    for (const l of model.layers) {
      if (l.kind !== 'conv') continue;
      // word copies vs compact/bit-gathered rows, as PackedNet chooses them
      if ((l.inChannels / l.groups) % 32 === 0 || (l.groups === 1 && l.inChannels > 32)) aligned++; else gathered++;
    }
    for (const s of net.stages) if ((s.kind === 'conv' || s.kind === 'dense') && s.act.gain.f32.some((g) => g < 0)) flipped++;
  }
  // the generator must exercise both im2col paths and negative gains
  assert.ok(aligned > 10 && gathered > 5 && flipped > 10, `coverage: aligned ${aligned}, gathered ${gathered}, flipped ${flipped}`);
});

test('every preset deploys to a packed network whose scores equal the float simulation', () => {
  const rng = new Rng(77);
  for (const [name, input] of [['fashion-small', { height: 28, width: 28, channels: 1, levels: 8 }], ['fashion-wide', { height: 28, width: 28, channels: 1, levels: 8 }],
    ['iscas-0.75', { height: 32, width: 32, channels: 3, levels: 4 }]] as const) {
    const net = new BinaryNet(FBNN_PRESETS[name](input, 10), rng.split());
    randomizeAffine(net, rng);
    const images = randomImages(rng, 3, imageBytes(input));
    const sim = simulate(net, images, 3), packed = new PackedNet(deploy(net)).predict(images, 3);
    assert.deepEqual(Array.from(packed.scores), Array.from(sim.scores), name);
  }
});

test('foldThreshold reproduces the float32 sign decision on every reachable value, ties included', () => {
  const q = steSign(), rng = new Rng(7);
  for (let t = 0; t < 300; t++) {
    const K = 1 + rng.int(300), s = 1 / Math.sqrt(K);
    const g = [0, -1, 1, rng.uniform(-4, 4), 1e-8][rng.int(5)];
    // a bias that makes some reachable y land exactly on 0 in float32
    const b = rng.bernoulli(0.5) ? -Math.fround(Math.fround(((K % 2) + 2 * rng.int(3)) * s) * g) : rng.uniform(-2, 2);
    const f = foldThreshold(K, s, g, b, q);
    for (let y = -K; y <= K; y += 2) {
      const fl = preActivation(y, s, g, b) >= 0;
      assert.equal((f.flip ? -y : y) >= f.threshold, fl, `K=${K} g=${g} b=${b} y=${y}`);
    }
  }
});

test('padding is −1 in both paths: an all-zero image through a padded conv matches', () => {
  const rng = new Rng(3);
  const spec = { input: { height: 3, width: 3, channels: 1, levels: 2 }, layers: [{ kind: 'conv' as const, channels: 4, kernel: 3, padding: 1 }], classes: 3 };
  const net = new BinaryNet(spec, rng);
  const images = new Uint8Array(9 * 2);
  images.fill(255, 9);
  const sim = simulate(net, images, 2);
  const packed = new PackedNet(deploy(net)).predict(images, 2);
  assert.deepEqual(Array.from(packed.scores), Array.from(sim.scores));
});
