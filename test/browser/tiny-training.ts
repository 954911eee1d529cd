// A tiny seeded training run used by the browser test: the same code runs in Node and inside a
// browser Web Worker, and the resulting weights must be bit-identical.
import * as E from '../../src/engine/index.js';
import { nn, Rng } from '../../src/index.js';

export function trainTiny(seed: number, steps = 30): Float32Array[] {
  const rng = new Rng(seed);
  const model = new nn.Sequential([
    new nn.Conv2d({ inChannels: 1, outChannels: 4, kernel: 3, padding: 1, rng }), new nn.BatchNorm({ channels: 4 }), new nn.ReLU(),
    new nn.MaxPool2d({ kernel: 2 }), new nn.Flatten(), new nn.Linear({ inFeatures: 4 * 4 * 4, outFeatures: 3, rng }),
  ]);
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn([12, 1, 8, 8], rng);
  const labels = Int32Array.from({ length: 12 }, () => rng.int(3));
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    E.crossEntropy(model.forward(x), labels).backward();
    opt.step();
  }
  return model.parameters().map((p) => p.f32.slice());
}
