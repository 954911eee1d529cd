// The FBNN backbone's skip classifier and ternary head (FBNN-ER §3.3) inside the CIL model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GrowingTernaryHead } from '../../src/cil/backbones/head.js';
import { CilNet, completeModelConfig } from '../../src/cil/model.js';

const model = (o: Record<string, unknown>) => completeModelConfig({ kind: 'fbnn', widths: [4, 4], groups: [1, 1], latentBits: 32, levels: 2, ...o });

test('skip classifier: the head reads [hidden; latent]; ternary rows cost 2 bits per weight', () => {
  const skip = new CilNet(model({ hidden: [16], skip: true, head: 'ternary' }), 64, null, new Rng(1));
  assert.equal(skip.featureDim, 16 + 32);
  skip.head.grow(3, new Rng(2));
  assert.equal(skip.head.rowBits, 2 * 48);
  const plain = new CilNet(model({ hidden: [16], skip: false, head: 'binary' }), 64, null, new Rng(1));
  assert.equal(plain.featureDim, 16);
  plain.head.grow(3, new Rng(2));
  // Same encoder and hidden layer; the skip/ternary net pays 3 rows × (96 − 16) bits more.
  assert.equal(skip.parameterBits() - plain.parameterBits(), 3 * (96 - 16));
  const x = new Tensor(new Float32Array(5 * 64).fill(0.5), [5, 64]);
  assert.deepEqual(skip.forward(x).shape, [5, 3]);
  // The trunk output ends with the latent itself (the skip path).
  const z = skip.latent(x), f = skip.features(z);
  assert.deepEqual(Array.from(f.f32.subarray(16, 48)), Array.from(z.f32.subarray(0, 32)));
});

test('ternary head: two binary copies summed give weights in {−2, 0, +2} (up to the output scale)', () => {
  const h = new GrowingTernaryHead(4);
  h.grow(1, new Rng(3));
  h.weightA.f32.set([0.3, 0.3, -0.2, -0.1]);
  h.weightB.f32.set([0.1, -0.4, -0.5, 0.2]);
  const out = (x: number[]): number => h.forward(new Tensor(Float32Array.from(x), [1, 4])).item() / h.outputScale;
  // sign(A) + sign(B) = [2, 0, −2, 0]: one input at a time reads each ternary weight.
  const w = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]].map((x) => Math.round(out(x) * 1e4) / 1e4);
  assert.deepEqual(w, [2, 0, -2, 0]);
  assert.equal(h.rowBits, 8);
});
