import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { Tensor, tensor, noGrad } from '../../src/engine/tensor.js';
import { sum, mul } from '../../src/engine/ops/index.js';
import { approxSign, identityQuantizer, quantize, quantizer, steHeaviside, steSign, swishSign } from '../../src/bnn/quantizers.js';
import { ScaledSign } from '../../src/bnn/scaledSign.js';
import { BinaryConv2d } from '../../src/bnn/binaryConv.js';
import { BinaryDense } from '../../src/bnn/binaryLinear.js';
import { encodeImages } from '../../src/bnn/inputEncoding.js';

const xs = [-2, -1, -0.5, 0, 0.5, 1, 2];

function gradOf(q: ReturnType<typeof steSign>): number[] {
  const x = tensor(xs, [xs.length], { requiresGrad: true });
  quantize(x, q).backward(new Float32Array(xs.length).fill(1));
  return Array.from(x.grad!.f32);
}

test('quantizers: forward values (sign(0) = +1) and straight-through pseudo-gradients', () => {
  assert.deepEqual(Array.from(quantize(tensor(xs), steSign()).f32), [-1, -1, -1, 1, 1, 1, 1]);
  assert.deepEqual(gradOf(steSign()), [0, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(gradOf(steSign(0.5)), [0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(gradOf(approxSign()), [0, 0, 1, 2, 1, 0, 0]);
  assert.deepEqual(Array.from(quantize(tensor(xs), steHeaviside()).f32), [0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(gradOf(identityQuantizer()), [1, 1, 1, 1, 1, 1, 1]);
  const sw = gradOf(swishSign(5));
  assert.ok(Math.abs(sw[3] - 5) < 1e-6 && sw[0] < 1e-3, 'SwishSign peaks at β and vanishes in the tails');
  assert.equal(quantizer('approx_sign').name, 'approx_sign');
  assert.throws(() => quantizer('sign'), /unknown alias 'sign'/);
  assert.throws(() => new ScaledSign({ channels: 2, fanIn: 4, quantizer: steHeaviside() }), /must map to ±1/);
});

test('1/sqrt(fanIn) scaling gives unit-variance pre-activations at initialisation (±5 %)', () => {
  const rng = new Rng(9);
  const conv = new BinaryConv2d({ inChannels: 64, outChannels: 64, kernel: 3, padding: 1, rng });
  const x = new Float32Array(8 * 64 * 8 * 8);
  for (let i = 0; i < x.length; i++) x[i] = rng.bernoulli(0.5) ? 1 : -1;
  const y = noGrad(() => conv.forward(new Tensor(x, [8, 64, 8, 8]))).f32;
  // interior outputs only (padding cells are a fixed −1, not random)
  let s = 0, s2 = 0, n = 0;
  const scale = 1 / Math.sqrt(conv.fanIn);
  for (let b = 0; b < 8 * 64; b++) for (let h = 1; h < 7; h++) for (let w = 1; w < 7; w++) {
    const v = y[b * 64 + h * 8 + w] * scale; s += v; s2 += v * v; n++;
  }
  const variance = s2 / n - (s / n) ** 2;
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  for (const v of y) assert.ok(Number.isInteger(v) && Math.abs(v) <= conv.fanIn && (v - conv.fanIn) % 2 === 0, 'integer pre-activations with the parity of fanIn');
});

test('ScaledSign gradients: STE through the affine map, gain and bias accumulate per channel', () => {
  const act = new ScaledSign({ channels: 2, fanIn: 4 });
  const y = tensor([0, 2, -4, 4, 2, -2, 0, 4], [2, 2, 1, 2], { requiresGrad: true });
  const out = act.forward(y);
  assert.deepEqual(Array.from(out.f32), [1, 1, -1, 1, 1, -1, 1, 1]);
  sum(mul(out, tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]))).backward();
  // z = y/2; STE passes where |z| ≤ 1: y ∈ {0, 2, -2}; dy = gy·g·s = gy/2
  assert.deepEqual(Array.from(y.grad!.f32), [0.5, 1, 0, 0, 2.5, 3, 3.5, 0]);
  assert.deepEqual(Array.from(act.bias.grad!.f32), [1 + 2 + 5 + 6, 7]);
});

test('binary layers: latent weights clip to [−1, 1]; kernels binarize with sign(0) = +1', () => {
  const d = new BinaryDense({ inFeatures: 3, outFeatures: 1, rng: new Rng(1) });
  d.weight.f32.set([0, -0.2, 3]);
  const y = noGrad(() => d.forward(tensor([1, 1, 1], [1, 3]))).f32;
  assert.equal(y[0], 1 - 1 + 1);
  d.clipLatent();
  assert.deepEqual(Array.from(d.weight.f32), [0, Math.fround(-0.2), 1]);
  assert.throws(() => new BinaryConv2d({ inChannels: 3, outChannels: 4, kernel: 3, groups: 2, rng: new Rng(1) }), /groups=2 must divide/);
});

test('thermometer input: planes are ±1, monotone in intensity, channel-major', () => {
  const x = encodeImages({ height: 1, width: 2, channels: 2, levels: 3 }, Uint8Array.from([0, 255, 128, 64]), 1);
  assert.deepEqual(x.shape, [1, 6, 1, 2]);
  // channel 0 pixels (0, 128) → planes 0..2; channel 1 pixels (255, 64)
  // thresholds 64, 128, 192 and pixel > threshold: 128 sets only plane 0, 64 sets none
  assert.deepEqual(Array.from(x.f32), [-1, 1, -1, -1, -1, -1, 1, -1, 1, -1, 1, -1]);
});
