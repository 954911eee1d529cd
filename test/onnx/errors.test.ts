// Bad input is a clear error, raised before any compute: truncated file, wrong magic, unknown
// operator, missing initializer, shape mismatches, dynamic shapes, external data escaping the model's
// folder, broken .npy files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOnnx } from '../../src/onnx/model.js';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { OnnxRunner } from '../../src/onnx/runner.js';
import { decodeModel, encodeModel, type ModelMsg } from '../../src/onnx/proto.js';
import { OnnxError } from '../../src/onnx/errors.js';
import { readNpy, writeNpy } from '../../src/data/npy.js';
import { fixture, npy } from './helpers.js';

const bytesOf = (name: string) => new Uint8Array(fs.readFileSync(fixture(name)));
const base = (): ModelMsg => decodeModel(bytesOf('mnist_cnn.onnx'));
const load = (m: ModelMsg) => loadOnnx(encodeModel(m), { source: 'fuzz.onnx' });
const run = (m: ModelMsg, shape = [1, 1, 28, 28]) => new OnnxRunner(load(m)).run(new Float32Array(shape.reduce((a, b) => a * b)), shape);

test('truncated files and wrong magic are reported as such', () => {
  const b = bytesOf('mnist_cnn.onnx');
  for (const cut of [b.length - 1, Math.floor(b.length / 2), 100, 3]) {
    assert.throws(() => loadOnnx(b.subarray(0, cut), { source: 'cut.onnx' }), (e: unknown) => e instanceof OnnxError
      && /cut\.onnx: (truncated or corrupt ONNX file|not an ONNX model or truncated)/.test(e.message), `cut at ${cut}`);
  }
  assert.throws(() => loadOnnx(new Uint8Array(0), { source: 'e.onnx' }), /e\.onnx: empty file/);
  const zip = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]);
  assert.throws(() => loadOnnx(zip, { source: 'model.pt' }), /model\.pt: not an ONNX model.*50 4b 03 04.*zip archive: a PyTorch/);
  const npyBytes = writeNpy([2], Float32Array.of(1, 2));
  assert.throws(() => loadOnnx(npyBytes, { source: 'x.npy' }), /not an ONNX model.*NumPy/);
  // Random bytes that pass the first-byte check still fail cleanly.
  const junk = new Uint8Array(64).map((_, i) => (i * 97 + 13) & 255); junk[0] = 0x08;
  assert.throws(() => loadOnnx(junk, { source: 'junk.onnx' }), OnnxError);
});

test('an unknown operator is named with its node and inputs at load, before any compute', () => {
  const m = base();
  const relu = m.graph!.node!.find((n) => n.opType === 'Relu')!;
  relu.opType = 'Frobnicate';
  assert.throws(() => load(m), (e: unknown) => e instanceof OnnxError
    && new RegExp(`fuzz\\.onnx: unsupported operator 'Frobnicate' at node '${relu.name!.replace(/[/]/g, '\\/')}' \\(Frobnicate\\) with inputs \\[${relu.input![0].replace(/[/]/g, '\\/')}\\]`).test(e.message));
  const custom = base();
  custom.graph!.node![0].domain = 'com.microsoft';
  assert.throws(() => load(custom), /unsupported operator com\.microsoft::Conv/);
});

test('a missing initializer is named with the node that reads it', () => {
  const m = base();
  const w = m.graph!.node!.find((n) => n.opType === 'Gemm')!.input![1];
  m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== w);
  m.graph!.input = m.graph!.input!.filter((i) => i.name !== w);
  assert.throws(() => load(m), new RegExp(`\\(Gemm\\).*reads '${w}', which no earlier node, initializer or graph input produces \\(missing initializer`));
});

test('initializer data that does not fill its dims, and an old opset, are errors', () => {
  const m = base();
  const t = m.graph!.initializer![0];
  t.rawData = t.rawData!.subarray(0, t.rawData!.length - 4);
  assert.throws(() => load(m), new RegExp(`initializer '${t.name}': has \\d+ values but dims \\[.*\\] need \\d+`));
  const old = base();
  old.opsetImport = [{ domain: '', version: 11 }];
  assert.throws(() => load(old), /opset 11 is not supported; bitspike reads opset 13 and newer/);
});

test('shape mismatches are errors naming the node or input, raised while planning', () => {
  // Wrong input shape for the graph.
  assert.throws(() => run(base(), [1, 3, 28, 28]), /input 'input' expects shape \[batch, 1, 28, 28\], got \[1, 3, 28, 28\]/);
  assert.throws(() => run(base(), [1, 28, 28]), /expects rank 4/);
  // A Gemm weight whose inner dimension does not match the features.
  const m = base();
  const gemm = m.graph!.node!.find((n) => n.opType === 'Gemm')!;
  const w = m.graph!.initializer!.find((t) => t.name === gemm.input![1])!;
  w.dims = [10, 392 - 2];
  w.rawData = w.rawData!.subarray(0, 10 * 390 * 4);
  assert.throws(() => run(m), (e: unknown) => e instanceof OnnxError && /\(Gemm\) with inputs \[.*\]: inner dimensions differ.*392 vs 390.*input shapes \[1, 392\], \[10, 390\]/.test(e.message));
  // A conv whose weight expects other input channels.
  const c = base();
  const conv = c.graph!.node!.find((n) => n.opType === 'Conv')!;
  const cw = c.graph!.initializer!.find((t) => t.name === conv.input![1])!;
  cw.dims = [2, 2, 3, 3];
  assert.throws(() => run(c), /\(Conv\).*do not agree with group=1/);
});

test('a shape computed from runtime data is a dynamic-shape error naming the node', () => {
  const m = base();
  // Reshape the features by a shape that is itself computed from the activations.
  const flatten = m.graph!.node!.find((n) => n.opType === 'Flatten')!;
  const x = flatten.input![0];
  flatten.opType = 'Reshape';
  flatten.attribute = [];
  m.graph!.node!.splice(m.graph!.node!.indexOf(flatten), 0, { opType: 'Cast', name: 'dyn_cast', input: [x], output: ['dyn_shape'], attribute: [{ name: 'to', type: 2, i: 7 }] });
  flatten.input = [x, 'dyn_shape'];
  assert.throws(() => run(m), /\(Reshape\).*input 1 'dyn_shape' \(shape\) is computed from runtime data: dynamic shapes are not supported/);
});

test('external data: read relative to the model, never outside its folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-onnx-ext-'));
  try {
    fs.copyFileSync(fixture('mobilenet.onnx'), path.join(dir, 'm.onnx'));
    assert.throws(() => readOnnxFile(path.join(dir, 'm.onnx')), /external data file 'mobilenet\.onnx\.data' cannot be read/);
    const m = decodeModel(bytesOf('mobilenet.onnx'));
    const ext = m.graph!.initializer!.find((t) => t.dataLocation === 1)!;
    for (const [loc, msg] of [['../secret.bin', /points outside the model's folder/], ['/etc/passwd', /must be a path relative to the model's folder/]] as const) {
      ext.externalData!.find((e) => e.key === 'location')!.value = loc;
      fs.writeFileSync(path.join(dir, 'bad.onnx'), encodeModel(m));
      assert.throws(() => readOnnxFile(path.join(dir, 'bad.onnx')), msg);
    }
    // A truncated external file.
    fs.writeFileSync(path.join(dir, 'mobilenet.onnx.data'), fs.readFileSync(fixture('mobilenet.onnx.data')).subarray(0, 100));
    fs.copyFileSync(fixture('mobilenet.onnx'), path.join(dir, 'mobilenet.onnx'));
    assert.throws(() => readOnnxFile(path.join(dir, 'mobilenet.onnx')), /lies outside 'mobilenet\.onnx\.data' \(100 bytes\): truncated external file/);
    assert.throws(() => loadOnnx(bytesOf('mobilenet.onnx'), { source: 'mem.onnx' }), /no external-data reader was given/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('.npy: float32 round trip, float64 read; wrong dtype, magic, order and truncation are clear errors', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1);
  const b = writeNpy([2, 3, 4], data);
  assert.equal((10 + new DataView(b.buffer).getUint16(8, true)) % 64, 0, 'data aligned to 64 bytes');
  const r = readNpy(b);
  assert.deepEqual(r.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(r.data), Array.from(data));
  assert.deepEqual(readNpy(writeNpy([3], Float32Array.of(1, 2, 3))).shape, [3]);
  assert.deepEqual(readNpy(writeNpy([], Float32Array.of(5))).shape, []);
  // A real NumPy file (written by the fixture script).
  assert.deepEqual(npy('all_ops.input.npy').shape, [2, 3, 9, 9]);
  const header = (h: string, payload: Uint8Array) => {
    const text = `{${h}}`.padEnd(118) + '\n';
    return new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length, 0, ...Array.from(text, (ch) => ch.charCodeAt(0)), ...payload]);
  };
  const f8 = new Uint8Array(new Float64Array([1.5, -2]).buffer);
  assert.deepEqual(Array.from(readNpy(header("'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", f8)).data), [1.5, -2]);
  assert.throws(() => readNpy(header("'descr': '<i8', 'fortran_order': False, 'shape': (2,), ", f8), 'x.npy'), /x\.npy: dtype '<i8' is not supported; expected float32/);
  assert.throws(() => readNpy(header("'descr': '<f4', 'fortran_order': True, 'shape': (2,), ", f8), 'x.npy'), /Fortran-order/);
  assert.throws(() => readNpy(header("'descr': '<f4', 'fortran_order': False, 'shape': (5,), ", f8), 'x.npy'), /truncated \.npy data: shape \(5\) needs 20 bytes, 16 present/);
  assert.throws(() => readNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'y.npy'), /y\.npy: not a \.npy file/);
  assert.throws(() => readNpy(b.subarray(0, 20), 'z.npy'), /z\.npy: truncated \.npy header/);
});
