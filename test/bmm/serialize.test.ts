// Serialization: round trips at every precision with bounded quantisation error, payload size ≡
// memory accounting, and clear errors for corrupted, truncated and wrong-version bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BernoulliMixture } from '../../src/bmm/model.js';
import { PRECISIONS, bmmMemoryBits, generatorMemoryBits } from '../../src/bmm/memory.js';
import { quantizationStep, quantizeModel } from '../../src/bmm/quantize.js';
import { BMM_FORMAT_VERSION, deserializeBmm, serializeBmm } from '../../src/bmm/serialize.js';
import { randomPrototypes } from './helpers.js';

const K = 3, D = 77; // K·D odd: exercises the 4-bit padding nibble
const model = new BernoulliMixture({ components: K, bits: D, mu: randomPrototypes(K, D, 9, 0, 1), pi: [0.5, 0.3, 0.2] });

for (const precision of PRECISIONS) {
  test(`round trip at ${precision}: error within one quantisation step, equal to quantizeModel`, () => {
    const bytes = serializeBmm(model, precision);
    const back = deserializeBmm(bytes);
    assert.equal(back.components, K);
    assert.equal(back.bits, D);
    assert.equal(back.eps, model.eps);
    const step = quantizationStep(precision);
    for (let i = 0; i < K * D; i++) {
      const m = model.mu[i], err = Math.abs(back.mu[i] - m);
      const interior = m >= step / 2 && m <= 1 - step / 2;
      // Half a step inside, one step at the clamps (relative 2^-24 for float32).
      const bound = precision === 'f32' ? 2 ** -24 * m + 1e-12 : interior ? step / 2 : step;
      assert.ok(err <= bound + 1e-15, `μ[${i}] = ${m} read back as ${back.mu[i]}`);
      assert.ok(back.mu[i] >= back.eps && back.mu[i] <= 1 - back.eps, 'clamped after dequantisation');
    }
    // float32 weights keep their rounding (sum within 1e-6 of 1); 8-bit codes sum to exactly 256.
    assert.ok(Math.abs(back.pi.reduce((a, b) => a + b, 0) - 1) < (precision === 'f32' ? 1e-6 : 1e-12));
    for (let k = 0; k < K; k++) assert.ok(Math.abs(back.pi[k] - model.pi[k]) <= (precision === 'f32' ? 1e-7 : 1 / 256));
    const q = quantizeModel(model, precision);
    assert.deepEqual(back.mu, q.mu);
    assert.deepEqual(back.pi, q.pi);
    // Payload (bytes after the 32-byte header) ≡ memory accounting, rounded up to whole bytes.
    assert.equal(bytes.length - 32, Math.ceil(model.memoryBits(precision) / 8));
    // Serialising the read-back model again is a fixed point.
    assert.deepEqual(serializeBmm(back, precision), bytes);
  });
}

test('memory accounting follows K·(D·b_μ + b_π) and the docs/methods-cil.md §2.9 worked example', () => {
  assert.equal(bmmMemoryBits(3, 1024, 'u8'), 24600);
  const classes = Array.from({ length: 50 }, () => ({ components: 3, bits: 1024 }));
  assert.equal(generatorMemoryBits(classes, 'u8'), 1.23e6);
  assert.equal(generatorMemoryBits(classes, 'f32'), 4.92e6);
  assert.equal(bmmMemoryBits(3, 1024, 'u4'), 3 * (1024 * 4 + 8));
  // @ts-expect-error invalid on purpose
  assert.throws(() => bmmMemoryBits(3, 10, 'f16'), /precision: expected one of f32, u8, u4/);
});

test('corrupted, truncated, foreign and wrong-version bytes fail with clear errors', () => {
  const good = serializeBmm(model, 'u8');
  const flip = good.slice(); flip[40] ^= 0x10;
  assert.throws(() => deserializeBmm(flip), /checksum mismatch: the data is corrupted/);
  const hdr = good.slice(); hdr[12] ^= 1; // bits field
  assert.throws(() => deserializeBmm(hdr), /payload length field|checksum/);
  assert.throws(() => deserializeBmm(good.subarray(0, good.length - 1)), /truncated or padded/);
  assert.throws(() => deserializeBmm(good.subarray(0, 10)), /truncated: 10 bytes/);
  const magic = good.slice(); magic[0] = 0x58;
  assert.throws(() => deserializeBmm(magic), /not a bitspike BMM \(bad magic/);
  const ver = good.slice(); new DataView(ver.buffer).setUint16(4, BMM_FORMAT_VERSION + 1, true);
  assert.throws(() => deserializeBmm(ver), new RegExp(`unsupported format version ${BMM_FORMAT_VERSION + 1} \\(this build reads version ${BMM_FORMAT_VERSION}\\)`));
  const prec = good.slice(); prec[6] = 9;
  assert.throws(() => deserializeBmm(prec), /unknown precision code 9/);
  // @ts-expect-error invalid on purpose
  assert.throws(() => serializeBmm(model, 'u2'), /precision must be one of f32, u8, u4/);
});

test('mixing weights survive save → load → save unchanged (π codes sum to 256)', () => {
  for (const pi of [[0.6, 0.3, 0.1], [0.5, 0.3, 0.2], [1], [0.999, 0.0005, 0.0005], [0.1, 0.2, 0.3, 0.15, 0.25]]) {
    const K = pi.length;
    const m = new BernoulliMixture({ components: K, bits: 5, mu: Array.from({ length: K * 5 }, (_, i) => ((i * 37) % 100) / 100), pi });
    for (const p of ['u8', 'u4', 'f32'] as const) {
      const q = quantizeModel(m, p);
      const once = deserializeBmm(serializeBmm(q, p));
      assert.deepEqual([...once.pi], [...q.pi], `${p} ${pi}`);
      assert.deepEqual([...once.mu], [...q.mu], `${p} ${pi}`);
      assert.deepEqual(serializeBmm(once, p), serializeBmm(q, p));
    }
  }
});
