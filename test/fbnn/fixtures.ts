// Synthetic FBNN-ER data for fast tests: 8×8 grey images, one coarse random on/off prototype per class with
// per-pixel flip noise, split into pre-training classes and deployment tasks like loadFbnnErData.
import { Rng } from '../../src/engine/random.js';
import { makeSamples, type Samples } from '../../src/cil/samples.js';
import { parseFbnnErConfig, type FbnnErConfig } from '../../src/fbnn/config.js';
import type { FbnnErData } from '../../src/fbnn/data.js';
import { buildClassIncremental } from '../../src/data/scenario.js';

export const SIZE = 8;

function images(protos: Uint8Array[], classes: number[], perClass: number, noise: number, rng: Rng): Samples {
  const dim = SIZE * SIZE, n = classes.length * perClass;
  const x = new Uint8Array(n * dim), y = new Int32Array(n);
  let i = 0;
  for (const c of classes) for (let k = 0; k < perClass; k++, i++) {
    y[i] = c;
    for (let p = 0; p < dim; p++) {
      const on = protos[c][p] === 1 ? !rng.bernoulli(noise) : rng.bernoulli(noise);
      x[i * dim + p] = on ? 200 + rng.int(56) : rng.int(60);
    }
  }
  return makeSamples(x, y, dim);
}

/** 10 classes: `base` pre-training classes, then deployment tasks of `increment` classes. */
export function syntheticData(o: { base?: number; increment?: number; perClass?: number; testPerClass?: number; noise?: number; seed?: number } = {}): FbnnErData {
  const base = o.base ?? 4, inc = o.increment ?? 2, C = 10, rng = new Rng(o.seed ?? 7);
  // Coarse prototypes (a random on/off pattern over 2×2-pixel cells) survive the 2×2 max-pools.
  const protos = Array.from({ length: C }, () => {
    const cells = Array.from({ length: (SIZE / 2) ** 2 }, () => (rng.bernoulli(0.4) ? 1 : 0));
    return Uint8Array.from({ length: SIZE * SIZE }, (_, p) => cells[Math.floor(Math.floor(p / SIZE) / 2) * (SIZE / 2) + Math.floor((p % SIZE) / 2)]);
  });
  const all = Array.from({ length: C }, (_, c) => c);
  const train = images(protos, all, o.perClass ?? 24, o.noise ?? 0.2, rng);
  const test = images(protos, all, o.testPerClass ?? 12, o.noise ?? 0.2, rng);
  const scenario = buildClassIncremental(train.y, test.y, { numClasses: C, spec: { base, increment: inc } });
  const pick = (s: Samples, idx: Int32Array): Samples => {
    const x = new Uint8Array(idx.length * s.dim);
    idx.forEach((i, j) => x.set(s.x.subarray(i * s.dim, (i + 1) * s.dim), j * s.dim));
    return makeSamples(x, Int32Array.from(idx, (i) => s.y[i]), s.dim);
  };
  const [b, ...rest] = scenario.tasks;
  return {
    geometry: { height: SIZE, width: SIZE, channels: 1 }, numClasses: C, classNames: all.map(String), scenario,
    base: { classes: b.classes, train: pick(train, b.train), test: pick(test, b.test) },
    tasks: rest.map((t, i) => ({ index: i, classes: t.classes, train: pick(train, t.train), test: pick(test, t.test) })),
  };
}

/** A tiny FBNN config for 8×8 images (2 conv blocks, 64-bit latent). */
export function tinyConfig(over: Record<string, unknown> = {}): FbnnErConfig {
  const raw: Record<string, unknown> = {
    data: { dataset: 'synthetic', baseClasses: 4, increment: 2 },
    model: { widths: [8, 16], groups: [1, 2], convsPerBlock: 1, latentBits: 64, levels: 2, classifierHidden: 16 },
    pretrain: { epochs: 12, batchSize: 8, lr: 0.01, augment: 'none' },
    replay: { maxEpochs: 4, batchSize: 8, lr: 0.01, augment: 'none', pixelBits: 7 },
  };
  for (const [k, v] of Object.entries(over)) {
    const [a, b] = k.split('.');
    if (b) (raw[a] as Record<string, unknown>)[b] = v; else raw[a] = v;
  }
  return parseFbnnErConfig(raw, 'test config');
}
