// Export → re-import gives the same outputs: nn models (small CNN, ResNet-8 with non-trivial batch
// norm statistics, MLP) and CIL learners (ResNet backbone + Heaviside and thermometer binarizers,
// binary-latent MLP, an imported ONNX encoder inlined back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CilNet, completeModelConfig } from '../../src/cil/model.js';
import { registerOnnxModel } from '../../src/cil/backbones/onnx.js';
import { Rng } from '../../src/engine/random.js';
import { noGrad, Tensor } from '../../src/engine/tensor.js';
import { mlp, resnet8, smallCnn } from '../../src/nn/models.js';
import type { Module } from '../../src/nn/module.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { loadOnnx } from '../../src/onnx/model.js';
import { OnnxRunner } from '../../src/onnx/runner.js';
import { fixture, relativeError } from './helpers.js';

function randomizeBuffers(m: Module, rng: Rng): void {
  for (const [k, b] of m.namedBuffers()) {
    for (let i = 0; i < b.length; i++) b[i] = k.endsWith('Var') ? 0.5 + rng.uniform(0, 1) : rng.normal(0, 0.2);
  }
}

function roundTrip(m: Module, sample: number[], x: Float32Array, n: number, tol = 1e-5): void {
  m.eval();
  const want = noGrad(() => m.forward(new Tensor(x, [n, ...sample])));
  const bytes = exportOnnx(m, { inputShape: sample });
  const model = loadOnnx(bytes, { source: 'exported.onnx' });
  assert.equal(model.opset, 17);
  const got = new OnnxRunner(model).run(x, [n, ...sample]).get('output')!;
  assert.deepEqual([...got.shape], [...want.shape]);
  const err = relativeError(got.data, want.f32);
  assert.ok(err <= tol, `relative error ${err}`);
}

const input = (rng: Rng, size: number, lo = -1, hi = 1) => Float32Array.from({ length: size }, () => rng.uniform(lo, hi));

test('nn models export to ONNX and re-import to the same outputs', () => {
  const rng = new Rng(7);
  roundTrip(smallCnn(rng), [1, 28, 28], input(rng, 3 * 784), 3);
  const r8 = resnet8(rng, 10, 4);
  randomizeBuffers(r8, rng);
  roundTrip(r8, [3, 32, 32], input(rng, 2 * 3 * 1024), 2, 1e-4);
  roundTrip(mlp([20, 16, 5], rng), [20], input(rng, 4 * 20), 4);
});

test('CIL learners export: ResNet + binarizers, binary-latent MLP, imported ONNX encoder', () => {
  const rng = new Rng(9);
  const pixels = (n: number, d: number) => input(rng, n * d, 0, 1);
  for (const binarizer of ['heaviside', 'thermometer'] as const) {
    const net = new CilNet({ kind: 'resnet', width: 4, blocks: [1, 1], binarizer, levels: 3, hidden: [8], imageShape: null }, 3 * 16 * 16, { layer: 1, format: 'binary' }, rng);
    net.head.grow(4, rng);
    randomizeBuffers(net, rng);
    roundTrip(net, [768], pixels(3, 768), 3, 1e-4);
  }
  const m = new CilNet({ kind: 'mlp', hidden: [12, 8] }, 30, { layer: 1, format: 'binary' }, rng);
  m.head.grow(3, rng);
  roundTrip(m, [30], pixels(5, 30), 5);

  const file = fixture('mnist_cnn.onnx');
  registerOnnxModel(file, readOnnxFile(file));
  const o = new CilNet({ kind: 'onnx', file, cut: null, binarizer: 'heaviside', levels: 4, hidden: [], imageShape: null }, 784, { layer: 1, format: 'binary' }, rng);
  o.head.grow(5, rng);
  randomizeBuffers(o, rng);
  roundTrip(o, [784], pixels(2, 784), 2, 1e-4);
});

test('modules without an ONNX form are named in the error', () => {
  const rng = new Rng(1);
  const fbnn = new CilNet(completeModelConfig({ kind: 'fbnn', widths: [4], groups: [1], convsPerBlock: 1, latentBits: 16, levels: 2 }), 64, null, rng);
  assert.throws(() => exportOnnx(fbnn, { inputShape: [64] }), /ONNX export: FbnnEncoder is not exportable.*bitspike bnn export/);
});
