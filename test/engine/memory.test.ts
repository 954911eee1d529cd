// A long training loop keeps memory flat: tensors are GC-managed, the autograd graph is released
// after backward, and the wasm arena is reused. 1,000 steps; heap and external memory are sampled
// after forced GCs and must not grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as E from '../../src/engine/index.js';
import { nn, Rng } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function usage() {
  gc(); gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

test('1,000 training steps keep memory flat', () => {
  const rng = new Rng(11);
  const model = new nn.Sequential([
    new nn.Conv2d({ inChannels: 1, outChannels: 4, kernel: 3, padding: 1, rng }), new nn.BatchNorm({ channels: 4 }), new nn.ReLU(),
    new nn.MaxPool2d({ kernel: 2 }), new nn.Flatten(), new nn.Linear({ inFeatures: 4 * 4 * 4, outFeatures: 10, rng }),
  ]);
  const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
  const x = E.randn([16, 1, 8, 8], rng);
  const labels = Int32Array.from({ length: 16 }, (_, i) => i % 10);
  const step = () => {
    opt.zeroGrad();
    E.crossEntropy(model.forward(x), labels).backward();
    opt.step();
  };
  for (let i = 0; i < 100; i++) step();
  const early = usage();
  for (let i = 0; i < 900; i++) step();
  const late = usage();
  const growth = late - early;
  assert.ok(growth < 2 * 1024 * 1024, `memory grew by ${(growth / 1024).toFixed(0)} KiB over 900 steps (early ${early}, late ${late})`);
});
