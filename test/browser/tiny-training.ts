// Seeded training runs used by the browser test: the same code runs in Node and inside a browser
// Web Worker, and the resulting weights must be bit-identical.
import * as E from '../../src/engine/index.js';
import { nn, Rng } from '../../src/index.js';

export function trainTiny(seed: number, steps = 30): Float32Array[] {
  const rng = new Rng(seed);
  const model = new nn.Sequential([
    new nn.Conv2d({ inChannels: 1, outChannels: 4, kernel: 3, padding: 1, rng }), new nn.BatchNorm({ channels: 4 }), new nn.ReLU(),
    new nn.MaxPool2d({ kernel: 2 }), new nn.Flatten(), new nn.Linear({ inFeatures: 4 * 4 * 4, outFeatures: 3, rng }),
  ]);
  return train(model, rng, [12, 1, 8, 8], 3, steps);
}

/**
 * A network big enough that the threaded kernels split its work: the convolution (≈ 25 MFLOP),
 * its ReLU (5.5 MB), batch norm and pooling are all over the split thresholds in wasm.ts.
 */
export function trainSplit(seed: number, steps = 4): Float32Array[] {
  const rng = new Rng(seed);
  const model = new nn.Sequential([
    new nn.Conv2d({ inChannels: 1, outChannels: 32, kernel: 3, rng }), new nn.BatchNorm({ channels: 32 }), new nn.ReLU(),
    new nn.MaxPool2d({ kernel: 2 }), new nn.Flatten(), new nn.Linear({ inFeatures: 32 * 13 * 13, outFeatures: 10, rng }),
  ]);
  return train(model, rng, [64, 1, 28, 28], 10, steps);
}

function train(model: nn.Module, rng: Rng, input: number[], classes: number, steps: number): Float32Array[] {
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn(input, rng);
  const labels = Int32Array.from({ length: input[0] }, () => rng.int(classes));
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    E.crossEntropy(model.forward(x), labels).backward();
    opt.step();
  }
  return model.parameters().map((p) => p.f32.slice());
}
