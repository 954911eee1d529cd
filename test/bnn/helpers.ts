// Shared helpers for the BNN tests: seeded random networks with non-trivial gains/biases (including
// negative and zero gains, which exercise the flipped and constant threshold folds) and images.
import { Rng } from '../../src/engine/random.js';
import { noGrad } from '../../src/engine/tensor.js';
import { BinaryNet, type BinaryLayerSpec, type BinaryNetSpec } from '../../src/bnn/binaryNet.js';

export function randomSpec(rng: Rng): BinaryNetSpec {
  const input = { height: 4 + rng.int(6), width: 4 + rng.int(6), channels: 1 + rng.int(3), levels: 1 + rng.int(5) };
  const layers: BinaryLayerSpec[] = [];
  let c = input.channels * input.levels, h = input.height, w = input.width;
  const nConv = 1 + rng.int(3);
  for (let i = 0; i < nConv; i++) {
    // widths around 32 and 64 hit both the word-aligned and the bit-gather im2col paths
    const choices = [3, 5, 8, 32, 33, 64];
    let out = choices[rng.int(choices.length)];
    let groups = 1;
    const g = [2, 4][rng.int(2)];
    if (rng.bernoulli(0.4) && c % g === 0 && out % g === 0) groups = g;
    else if (rng.bernoulli(0.3) && c % 2 === 0) { groups = 2; out = 2 * Math.max(1, Math.floor(out / 2)); }
    const kernel = 1 + rng.int(3), padding = rng.int(2), stride = 1 + (rng.bernoulli(0.2) ? 1 : 0);
    const oh = Math.floor((h + 2 * padding - kernel) / stride) + 1, ow = Math.floor((w + 2 * padding - kernel) / stride) + 1;
    if (oh < 1 || ow < 1) continue;
    layers.push({ kind: 'conv', channels: out, kernel, padding, stride, groups });
    c = out; h = oh; w = ow;
    if (rng.bernoulli(0.4) && h >= 2 && w >= 2) { layers.push({ kind: 'maxpool', size: 2 }); h >>= 1; w >>= 1; }
  }
  if (rng.bernoulli(0.6)) layers.push({ kind: 'dense', units: [7, 32, 40][rng.int(3)] });
  return { input, layers, classes: 2 + rng.int(6), learnableGain: true };
}

/** Perturbs gains and biases (in place) so thresholds are far from the trivial sign(y). */
export function randomizeAffine(net: BinaryNet, rng: Rng): void {
  noGrad(() => {
    for (const s of net.stages) {
      if (s.kind !== 'conv' && s.kind !== 'dense') continue;
      const g = s.act.gain.f32, b = s.act.bias.f32;
      for (let i = 0; i < g.length; i++) {
        const r = rng.float();
        g[i] = r < 0.1 ? 0 : r < 0.35 ? -rng.uniform(0.05, 3) : rng.uniform(0.05, 3);
        // biases on a grid that lands exactly on reachable pre-activations sometimes (ties: sign(0)=+1)
        b[i] = rng.bernoulli(0.3) ? Math.fround(Math.round(rng.uniform(-3, 3)) * s.act.scale * g[i]) * -1 : rng.uniform(-1.5, 1.5);
      }
    }
  });
}

export function randomImages(rng: Rng, n: number, bytesPerImage: number): Uint8Array {
  const a = new Uint8Array(n * bytesPerImage);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(256);
  return a;
}

/** Float-simulation integer scores and argmax predictions. */
export function simulate(net: BinaryNet, images: Uint8Array, n: number): { scores: Float32Array; predictions: Int32Array } {
  const scores = noGrad(() => net.eval().scores(net.encode(images, n))).f32;
  const C = net.spec.classes, predictions = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if (scores[i * C + j] > scores[i * C + best]) best = j;
    predictions[i] = best;
  }
  return { scores, predictions };
}
