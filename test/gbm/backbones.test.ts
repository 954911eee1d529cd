import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { crossEntropy } from '../../src/engine/ops/loss.js';
import { imageGeometry, nhwcToNchw, toPixels } from '../../src/cil/backbones/imageShape.js';
import { CilNet, completeModelConfig, GrowingBinaryHead } from '../../src/cil/model.js';
import { parseConfig } from '../../src/cil/config.js';

const pixels = (rng: Rng, n: number, dim: number): Tensor => {
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(256) / 255;
  return new Tensor(x, [n, dim]);
};

test('image geometry: square 1- and 3-channel images are inferred, other sizes must be given and must match', () => {
  assert.deepEqual(imageGeometry(784, null), { height: 28, width: 28, channels: 1 });
  assert.deepEqual(imageGeometry(3072, null), { height: 32, width: 32, channels: 3 });
  assert.deepEqual(imageGeometry(64 * 64 * 3, undefined), { height: 64, width: 64, channels: 3 });
  assert.deepEqual(imageGeometry(6 * 4 * 3, [6, 4, 3]), { height: 6, width: 4, channels: 3 });
  assert.throws(() => imageGeometry(72, null), /cannot infer the image shape of 72 values .* set it to \[height, width, channels\]/);
  assert.throws(() => imageGeometry(784, [28, 28, 3]), /model\.imageShape: 28×28×3 = 2352 values per image, but the data has 784/);
  assert.throws(() => imageGeometry(784, [28, 28]), /expected \[height, width, channels\]/);
});

test('NHWC rows become NCHW planes; pixels/255 round-trip to the exact uint8 values', () => {
  // 2×2 RGB image: pixel p has channels (10p, 10p+1, 10p+2).
  const x = new Tensor(Float32Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]), [1, 12]);
  assert.deepEqual([...nhwcToNchw(x, { height: 2, width: 2, channels: 3 }).f32], [0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]);
  const px = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual([...toPixels(new Tensor(Float32Array.from(px, (v) => v / 255), [1, 256]))], [...px]);
});

test('resnet backbone: pooled features binarized to ±1 (Heaviside D = F, thermometer D = F·T), float head, bits counted', () => {
  const rng = new Rng(1);
  const heav = new CilNet(completeModelConfig({ kind: 'resnet', width: 4, blocks: [1, 1] }), 3072, { layer: 1, format: 'binary' }, rng);
  assert.equal(heav.latentDim, 8);
  assert.ok(heav.binaryLatent);
  heav.head.grow(3, rng);
  const x = pixels(rng, 4, 3072);
  const z = heav.latent(x);
  assert.deepEqual(z.shape, [4, 8]);
  assert.ok([...z.f32].every((v) => v === 1 || v === -1));
  assert.deepEqual(heav.forward(x).shape, [4, 3]);
  // Float32 everything: conv/BN parameters and buffers, binarizer BN + θ, head (8 + 1) per row.
  const bodyScalars = heav.encoder.parameterCount() + heav.encoder.namedBuffers().reduce((s, [, b]) => s + b.length, 0);
  assert.equal(heav.parameterBits(), 32 * (bodyScalars + 3 * 9));
  assert.equal(heav.bitsWithClasses(10) - heav.bitsWithClasses(9), 32 * 9);
  const thermo = new CilNet(completeModelConfig({ kind: 'resnet', width: 4, blocks: [1, 1], binarizer: 'thermometer', levels: 3 }), 784, { layer: 1, format: 'binary' }, rng);
  assert.equal(thermo.latentDim, 24);
  const zt = thermo.latent(pixels(rng, 2, 784)).f32;
  // Thermometer codes are monotone per feature: level j on implies every lower level on.
  for (let n = 0; n < 2; n++) for (let d = 0; d < 8; d++) {
    const code = [0, 1, 2].map((j) => zt[(n * 8 + d) * 3 + j]);
    for (let j = 1; j < 3; j++) assert.ok(code[j] <= code[j - 1], `feature ${d}: ${code}`);
  }
  const none = completeModelConfig({ kind: 'resnet', width: 4, blocks: [1], binarizer: 'none' });
  assert.throws(() => new CilNet(none, 784, { layer: 1, format: 'binary' }, rng), /binary latents need a binary embedding: model\.binarizer is 'none'/);
  assert.equal(new CilNet(none, 784, { layer: 1, format: 'float' }, rng).binaryLatent, false);
  assert.throws(() => new CilNet(completeModelConfig({ kind: 'resnet', width: 4, blocks: [1] }), 784, { layer: 2, format: 'binary' }, rng), /latent layer must be 1 \(the embedding\) for model\.kind 'resnet', got 2/);
  assert.throws(() => new CilNet(completeModelConfig({ kind: 'resnet', width: 0 }), 784, null, rng), /model\.width: expected a positive integer, got 0/);
});

test('fbnn backbone: natively binary latent, binary head, 1 bit per binary weight', () => {
  const rng = new Rng(2);
  const cfg = completeModelConfig({ kind: 'fbnn', widths: [4, 8], groups: [1, 2], latentBits: 16, levels: 2, hidden: [12] });
  const net = new CilNet(cfg, 784, { layer: 1, format: 'binary' }, rng);
  assert.equal(net.latentDim, 16);
  assert.equal(net.featureDim, 12);
  assert.ok(net.head instanceof GrowingBinaryHead);
  net.head.grow(5, rng);
  const x = pixels(rng, 3, 784);
  assert.ok([...net.latent(x).f32].every((v) => v === 1 || v === -1));
  assert.deepEqual(net.forward(x).shape, [3, 5]);
  // Binary conv/dense/head weights at 1 bit, ScaledSign gains and biases at 32.
  let expected = 0;
  for (const [name, t] of net.namedParameters()) expected += t.size * (/(conv|dense)\d+\.weight$|^head\.weight$/.test(name) ? 1 : 32);
  assert.equal(net.parameterBits(), expected);
  assert.equal(net.bitsWithClasses(6) - net.bitsWithClasses(5), 12);
  // Optimizer-visible scalars stay whole numbers of weights (binary layers train latent floats).
  assert.equal(net.trainableScalarsWithClasses(5), net.parameterCount());
  net.freezeEncoder();
  assert.equal(net.trainableScalarsWithClasses(7), net.trunk.parameterCount() + 7 * 12);
  // The binary head is trainable: the STE passes a gradient to its latent weights.
  net.train();
  const loss = crossEntropy(net.forward(x), Int32Array.of(0, 1, 2));
  loss.backward();
  assert.ok(net.head.weight.grad && [...net.head.weight.grad.f32].some((g) => g !== 0));
});

test('a frozen encoder gives the same bits in the training, GBM-fit and test paths (BN statistics fixed)', () => {
  const rng = new Rng(3);
  const net = new CilNet(completeModelConfig({ kind: 'resnet', width: 4, blocks: [1, 1] }), 784, { layer: 1, format: 'binary' }, rng);
  net.head.grow(2, rng);
  const x = pixels(rng, 6, 784);
  net.train();
  net.forward(x); // moves the running statistics while trainable
  net.freezeEncoder();
  net.eval();
  const testBits = [...net.latent(x).f32];
  net.train(); // the learner's training mode for later tasks
  assert.equal(net.encoder.training, false);
  assert.deepEqual([...net.latent(x).f32], testBits);
  assert.deepEqual([...net.latent(x).f32], testBits, 'running statistics must not move');
  assert.ok(net.encoder.parameters().every((p) => !p.requiresGrad));
});

test('config: model kinds with their own keys and defaults, numpy class order', () => {
  const c = parseConfig({ model: { kind: 'resnet', width: 8 }, data: { classOrder: { numpySeed: 1993 } } });
  assert.deepEqual(c.model, { kind: 'resnet', width: 8, blocks: [2, 2, 2, 2], binarizer: 'heaviside', levels: 4, hidden: [], imageShape: null, stem: 'cifar' });
  assert.deepEqual(c.data.classOrder, { numpySeed: 1993 });
  assert.equal(parseConfig({ model: { kind: 'fbnn' } }).model.kind, 'fbnn');
  assert.deepEqual(parseConfig({}).model, { kind: 'mlp', hidden: [400, 400] });
  assert.throws(() => parseConfig({ model: { kind: 'resnet', latentBits: 3 } }), /config\.model\.latentBits: unknown key \(known keys of config\.model: kind, width, blocks/);
  assert.throws(() => parseConfig({ model: { kind: 'vgg' } }), /config\.model\.kind: expected one of mlp, binary-mlp, resnet, fbnn, onnx, got "vgg"/);
  assert.throws(() => parseConfig({ model: { kind: 'resnet', binarizer: 'sigmoid' } }), /config\.model\.binarizer: expected one of heaviside, thermometer, none/);
  assert.throws(() => parseConfig({ model: { kind: 'fbnn', imageShape: [28, 28] } }), /config\.model\.imageShape: expected \[height, width, channels\]/);
});
