// `bitspike onnx info|run|export` on the committed fixtures: info reports operators, weights in bits
// and the default cut; run writes a .npy that matches onnxruntime; export of a learner on an imported
// encoder re-imports to the learner's own logits; bad arguments are clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/commands/onnx.js';
import { UsageError } from '../../src/cli/args.js';
import { createLearner, encodeLearnerFile, type LearnerSpec } from '../../src/cil/learnerFile.js';
import { makeSamples } from '../../src/cil/samples.js';
import { readNpy, writeNpy } from '../../src/data/npy.js';
import { Rng } from '../../src/engine/random.js';
import { noGrad, Tensor } from '../../src/engine/tensor.js';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { parameterCount } from '../../src/onnx/model.js';
import { OnnxRunner } from '../../src/onnx/runner.js';
import { fixture, npy, relativeError } from './helpers.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const log = console.log, lines: string[] = [];
  console.log = (s: unknown) => { lines.push(String(s)); };
  try { return { code: await run(argv), out: lines.join('\n') }; } finally { console.log = log; }
}

const readNpyFile = (f: string) => { const b = fs.readFileSync(f); return readNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), f); };

test('onnx info: inputs, outputs, operators, weights in bits, default cut and its features', async () => {
  const file = fixture('resnet18.onnx');
  const { code, out } = await capture(['info', file]);
  assert.equal(code, 0);
  const params = parameterCount(readOnnxFile(file));
  assert.match(out, /opset 17/);
  assert.match(out, /inputs: {2}input \[batch, 3, 32, 32\]/);
  assert.match(out, /Conv×20, BatchNormalization×20, Relu×17, MaxPool×1, Add×8, GlobalAveragePool×1, Flatten×1, Gemm×1/);
  assert.ok(out.includes(`weights: ${params} float parameters = ${32 * params} bits`));
  assert.match(out, /default cut: input '\/Flatten_output_0' of the last Gemm .* → features \[1, 32\] for input \[1, 3, 32, 32\]/);
  assert.match(out, /BatchNormalization folded into convs: 20/);
  const j = JSON.parse((await capture(['info', file, '--json', '--cut', '/layers/layers.7/Relu_1'])).out);
  assert.deepEqual(j.cut.shape, [1, 32, 1, 1]);
  assert.equal(j.bits, 32 * params);
});

test('onnx run: the whole graph and up to a named output, as .npy', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-onnx-cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'y.npy');
  const r = await capture(['run', fixture('mobilenet.onnx'), '--input', fixture('mobilenet.input.npy'), '--out', out, '--threads', '2']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out).shape, [2, 10]);
  assert.ok(relativeError(readNpyFile(out).data, npy('mobilenet.output.npy').data) <= 1e-4);
  await capture(['run', fixture('resnet18.onnx'), '--input', fixture('resnet18.input.npy'), '--out', out, '--output', '/Flatten_output_0']);
  assert.ok(relativeError(readNpyFile(out).data, npy('resnet18.features.npy').data) <= 1e-4);
  await assert.rejects(run(['run', fixture('mobilenet.onnx'), '--out', out]), (e: unknown) => e instanceof UsageError && /--input x\.npy is required/.test(e.message));
  await assert.rejects(run(['run', fixture('mobilenet.onnx'), '--input', path.join(dir, 'none.npy'), '--out', out]), /--input .*none\.npy: cannot read/);
  fs.writeFileSync(path.join(dir, 'bad.npy'), writeNpy([2, 3, 8, 8], new Float32Array(384)));
  await assert.rejects(run(['run', fixture('mobilenet.onnx'), '--input', path.join(dir, 'bad.npy'), '--out', out]), /input 'input' expects shape \[batch, 3, 16, 16\], got \[2, 3, 8, 8\]/);
  await assert.rejects(run(['info']), /onnx info: expected one ONNX file, got none/);
  await assert.rejects(run(['frobnicate']), /unknown subcommand 'frobnicate'/);
});

test('onnx export: a learner on an imported encoder exports and re-imports to its own logits', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-onnx-export-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec: LearnerSpec = {
    model: { kind: 'onnx', file: fixture('mnist_cnn.onnx'), cut: null, binarizer: 'heaviside', levels: 4, hidden: [], imageShape: null },
    inputDim: 784, numClasses: 4, training: { epochs: 1, batchSize: 8, lr: 1e-2, optimizer: 'adam' },
    budget: { totalBits: null, bufferBits: null, countTrainingState: false }, strategy: { name: 'gbm', options: { components: 2, restarts: 1 } }, seed: 2,
  };
  const { registerOnnxModel } = await import('../../src/cil/backbones/onnx.js');
  registerOnnxModel(spec.model.kind === 'onnx' ? spec.model.file : '', readOnnxFile(fixture('mnist_cnn.onnx')));
  const learner = createLearner(spec);
  const rng = new Rng(4);
  const n = 16, x = new Uint8Array(n * 784), y = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(256);
  learner.learnTask(makeSamples(x, y, 784));
  const lf = path.join(dir, 'l.bslearner'), onnx = path.join(dir, 'l.onnx');
  fs.writeFileSync(lf, encodeLearnerFile(spec, learner));
  const r = await capture(['export', '--learner', lf, '--out', onnx]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out).classes, [0, 1]);
  const pixels = Float32Array.from(x, (v) => v / 255);
  const want = noGrad(() => learner.net.eval().forward(new Tensor(pixels, [n, 784])));
  const got = new OnnxRunner(readOnnxFile(onnx)).run(pixels, [n, 784]).get('output')!;
  assert.ok(relativeError(got.data, want.f32) <= 1e-4);
  await assert.rejects(run(['export', '--out', onnx]), /--learner FILE is required/);
});
