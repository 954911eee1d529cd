// Agreement with onnxruntime: every fixture's output (and ResNet-18's features at the default cut)
// within a relative error of 1e-4, on the reference and the wasm kernels, single and multi-threaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads, useReferenceKernels } from '../../src/engine/kernels/index.js';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { OnnxRunner, resolveCut } from '../../src/onnx/runner.js';
import { OnnxEncoder } from '../../src/onnx/encoder.js';
import { operatorCounts } from '../../src/onnx/model.js';
import { Tensor } from '../../src/engine/tensor.js';
import { fixture, npy, relativeError } from './helpers.js';

const FIXTURES = ['resnet18', 'mobilenet', 'cifar_resnet', 'all_ops', 'mnist_cnn'];
const TOL = 1e-4;

for (const backend of ['wasm', 'reference', 'wasm ×2 threads'] as const) {
  test(`ONNX fixtures match onnxruntime (${backend} kernels)`, async () => {
    if (backend === 'reference') useReferenceKernels(); else await setThreads(backend === 'wasm' ? 1 : 2);
    try {
      for (const name of FIXTURES) {
        const model = readOnnxFile(fixture(`${name}.onnx`));
        const x = npy(`${name}.input.npy`), y = npy(`${name}.output.npy`);
        const out = new OnnxRunner(model).run(x.data, x.shape).get(model.outputs[0].name)!;
        assert.deepEqual([...out.shape], y.shape, `${name}: output shape`);
        const err = relativeError(out.data, y.data);
        assert.ok(err <= TOL, `${name}: relative error ${err.toExponential(2)} > ${TOL}`);
      }
    } finally {
      await setThreads(1);
    }
  });
}

test('ResNet-18: BatchNormalization folded into every conv, features at the default cut match onnxruntime', () => {
  const model = readOnnxFile(fixture('resnet18.onnx'));
  assert.equal(operatorCounts(model).get('BatchNormalization'), 20);
  const cut = resolveCut(model);
  assert.match(cut.reason, /input '.*' of the last Gemm/);
  const enc = new OnnxEncoder(model);
  assert.equal(enc.runner.fusedBatchNorms, 20);
  assert.ok(!enc.runner.model.nodes.some((n) => n.opType === 'BatchNormalization'));
  const x = npy('resnet18.input.npy'), f = npy('resnet18.features.npy');
  const z = enc.forward(new Tensor(x.data, x.shape));
  assert.deepEqual([...z.shape], f.shape);
  assert.ok(relativeError(z.f32, f.data) <= TOL);
  assert.deepEqual([...enc.featureShape(x.shape)], [f.shape[1]]);
  assert.equal(enc.parameters().length, 0, 'the imported encoder has no trainable parameters');
  // A batch of one and a different batch size plan separately and agree with the batch of two.
  const one = enc.forward(new Tensor(x.data.slice(0, x.data.length / 2), [1, ...x.shape.slice(1)]));
  assert.ok(relativeError(one.f32, f.data.slice(0, f.shape[1])) <= TOL);
});

test('a cut named by node or by value; an unknown cut names the graph\'s last nodes', () => {
  const model = readOnnxFile(fixture('all_ops.onnx'));
  const byValue = resolveCut(model, 'flat');
  assert.equal(byValue.value, 'flat');
  const byNode = resolveCut(model, 'reshape');
  assert.equal(byNode.value, 'flat');
  assert.throws(() => resolveCut(model, 'nope'), /cut point 'nope' is neither a node nor a value.*concat_out/);
  const x = npy('all_ops.input.npy');
  const enc = new OnnxEncoder(model, 'reshape');
  assert.deepEqual([...enc.forward(new Tensor(x.data, x.shape)).shape], [2, 192]);
  // The plan for a cut skips everything after it (Gemm, MatMul, ...).
  const plan = enc.runner.plan(x.shape, ['flat']);
  assert.ok(!plan.shapes.has('g') && plan.shapes.has('flat'));
});
