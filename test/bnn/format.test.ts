import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/random.js';
import { BinaryNet } from '../../src/bnn/binaryNet.js';
import { fbnnSpec } from '../../src/bnn/fbnnLayout.js';
import { deploy } from '../../src/bnn/deploy.js';
import { decodeModel, encodeModel, ModelFormatError, payloadBytes } from '../../src/bnn/format.js';
import { loadModel, saveModel } from '../../src/bnn/io-node.js';
import { PackedNet } from '../../src/bnn/packedInference.js';
import { imageBytes } from '../../src/bnn/inputEncoding.js';
import { summarizeDeployed, summarizeNet, formatSummary } from '../../src/bnn/summary.js';
import { randomImages, randomizeAffine, randomSpec } from './helpers.js';

function smallFbnn(seed: number): BinaryNet {
  const spec = fbnnSpec({ input: { height: 12, width: 12, channels: 1, levels: 4 }, classes: 5, widths: [8, 32, 64], groups: [1, 2, 2], convsPerBlock: 1, latentBits: 40 });
  const net = new BinaryNet(spec, new Rng(seed));
  randomizeAffine(net, new Rng(seed + 1));
  return net;
}

test('deployed summary counts 1 bit per binary weight and equals the serialized payload', () => {
  const rng = new Rng(11);
  for (let t = 0; t < 20; t++) {
    const net = t === 0 ? smallFbnn(5) : new BinaryNet(randomSpec(rng), rng.split());
    const m = deploy(net);
    const s = summarizeDeployed(m);
    const weights = net.stages.reduce((a, st) => a + (st.kind === 'conv' ? st.conv.weight.size : st.kind === 'maxpool' ? 0 : st.dense.weight.size), 0);
    assert.equal(s.params[1], weights, 'every latent weight becomes exactly one bit');
    assert.equal(s.totalBits, (s.params[1] ?? 0) + 32 * (s.params[32] ?? 0));
    assert.equal(payloadBytes(encodeModel(m)), Math.ceil(s.totalBits / 8), `network ${t}: payload bytes vs summary bits`);
  }
});

test('fbnnSpec: the ISCAS layout has the documented binary weight count', () => {
  const iscas = deploy(new BinaryNet(fbnnSpec({ input: { height: 32, width: 32, channels: 3, levels: 85 }, classes: 100 }), new Rng(1)));
  // conv weights: 255·128·9 + 128·128·9 + (128·256 + 256·256)·9/2 + (256·512 + 512·512)·9/4 + 512·16 + 512·1024 + 1024·100
  const expected = 255 * 128 * 9 + 128 * 128 * 9 + (128 * 256 + 256 * 256) * 9 / 2 + (256 * 512 + 512 * 512) * 9 / 4 + 512 * 16 + 512 * 1024 + 1024 * 100;
  assert.equal(summarizeDeployed(iscas).params[1], expected);
});

test('iscas-0.75 summaries: every layer\'s bits match the layer arithmetic, in both views', () => {
  const net = new BinaryNet(fbnnSpec({ input: { height: 32, width: 32, channels: 3, levels: 32 }, classes: 100, widths: [96, 192, 384] }), new Rng(1));
  // The layout written out by hand: 3 channels × 32 thermometer levels = 96 input planes; blocks of
  // two 3×3 convs (groups 1, 2, 4; the first conv ungrouped) and a 2×2 pool; a depthwise 4×4 conv to
  // 1×1; a 1,024-unit dense latent; 100 outputs. [in, out, groups, kernel, output side].
  type Conv = { kind: 'conv'; cin: number; cout: number; groups: number; k: number; side: number };
  const conv = (cin: number, cout: number, groups: number, k: number, side: number): Conv => ({ kind: 'conv', cin, cout, groups, k, side });
  const pool = (c: number, side: number) => ({ kind: 'pool' as const, c, side });
  const layers = [
    conv(96, 96, 1, 3, 32), conv(96, 96, 1, 3, 32), pool(96, 16),
    conv(96, 192, 2, 3, 16), conv(192, 192, 2, 3, 16), pool(192, 8),
    conv(192, 384, 4, 3, 8), conv(384, 384, 4, 3, 8), pool(384, 4),
    conv(384, 384, 384, 4, 1),
    { kind: 'dense' as const, cin: 384, cout: 1024 },
    { kind: 'output' as const, cin: 1024, cout: 100 },
  ];
  const weights = (l: (typeof layers)[number]): number =>
    l.kind === 'conv' ? l.cout * (l.cin / l.groups) * l.k * l.k : l.kind === 'pool' ? 0 : l.cin * l.cout;
  const channels = (l: (typeof layers)[number]): number => (l.kind === 'conv' || l.kind === 'dense' ? l.cout : 0);
  const shape = (l: (typeof layers)[number]): number[] => (l.kind === 'conv' ? [l.cout, l.side, l.side] : l.kind === 'pool' ? [l.c, l.side, l.side] : [l.cout, 1, 1]);

  // Training view: every latent weight and each ScaledSign's gain and bias per channel at 32 bits.
  const training = summarizeNet(net);
  assert.equal(training.layers.length, layers.length);
  layers.forEach((l, i) => {
    const got = training.layers[i];
    assert.deepEqual(got.output, shape(l), `layer ${i} output`);
    assert.equal(got.bits, 32 * (weights(l) + 2 * channels(l)), `layer ${i} (${got.name}) training bits`);
  });
  const trainingBits = layers.reduce((s, l) => s + 32 * (weights(l) + 2 * channels(l)), 0);
  assert.equal(training.totalBits, trainingBits);
  assert.equal(trainingBits, 32 * net.parameters().reduce((s, p) => s + p.size, 0), 'the hand count is every trainable parameter');
  assert.equal(training.megabits, trainingBits / 1e6);

  // Deployed view: 1 bit per weight, one 32-bit threshold per thresholded channel (not the output).
  const deployed = summarizeDeployed(deploy(net));
  layers.forEach((l, i) => {
    const got = deployed.layers[i];
    assert.equal(got.bits, weights(l) + 32 * channels(l), `layer ${i} (${got.name}) deployed bits`);
    assert.equal(got.params[1] ?? 0, weights(l));
  });
  const deployedBits = layers.reduce((s, l) => s + weights(l) + 32 * channels(l), 0);
  assert.equal(deployed.totalBits, deployedBits);
  assert.equal(deployed.params[32], 96 + 96 + 192 + 192 + 384 + 384 + 384 + 1024);
  assert.ok(formatSummary(deployed).endsWith(`memory: ${deployedBits} bits = ${(deployedBits / 1e6).toFixed(6)} Mb (Mb = 10^6 bits)`));
});

test('save → load round trip gives identical predictions and scores', () => {
  const net = smallFbnn(21);
  const m = deploy(net);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-'));
  const file = path.join(dir, 'm.bsbnn');
  const size = saveModel(file, m);
  assert.equal(fs.statSync(file).size, size);
  assert.deepEqual(fs.readdirSync(dir), ['m.bsbnn'], 'no temp file left behind');
  const back = loadModel(file);
  const images = randomImages(new Rng(2), 17, imageBytes(m.input));
  const a = new PackedNet(m).predict(images, 17), b = new PackedNet(back).predict(images, 17);
  assert.deepEqual(b.scores, a.scores);
  assert.deepEqual(b.predictions, a.predictions);
  fs.rmSync(dir, { recursive: true });
});

test('corrupted, truncated, wrong-version and foreign files raise clear errors', () => {
  const bytes = encodeModel(deploy(smallFbnn(3)));
  const expectErr = (b: Uint8Array, re: RegExp) => assert.throws(() => decodeModel(b, 'x.bsbnn'), (e: unknown) => e instanceof ModelFormatError && re.test(e.message) && e.message.startsWith('x.bsbnn:'));
  const flipped = bytes.slice(); flipped[flipped.length - 3] ^= 0x10;
  expectErr(flipped, /CRC-32 mismatch.*corrupted/);
  expectErr(bytes.subarray(0, bytes.length - 5), /payload is \d+ bytes, manifest says/);
  expectErr(bytes.subarray(0, 20), /manifest length \d+ runs past the end/);
  const v2 = bytes.slice(); new DataView(v2.buffer).setUint32(8, 2, true);
  expectErr(v2, /unsupported format version 2 \(this bitspike reads version 1\)/);
  expectErr(new TextEncoder().encode('{"not":"a model"}................'), /not a bitspike BNN model \(bad magic/);
  expectErr(new Uint8Array(3), /too short/);
  // manifest edited (geometry no longer chains): rejected by validation, not half-built
  const text = new TextDecoder().decode(bytes);
  const edited = new TextEncoder().encode(text.replace('"outChannels":8', '"outChannels":9'));
  assert.throws(() => decodeModel(edited, 'x.bsbnn'), ModelFormatError);
  assert.throws(() => loadModel('/nonexistent/dir/m.bsbnn'), /m\.bsbnn: cannot read model file \(ENOENT\)/);
});
