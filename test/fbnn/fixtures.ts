// Synthetic data and a tiny FBNN-ER CIL config for fast tests: 8×8 grey images, one coarse random
// on/off prototype per class with per-pixel flip noise, as in-memory train/test splits (what
// src/cil/runner's loadExperimentData returns), pre-trained on the first task and deployed after it.
import { Rng } from '../../src/engine/random.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { applyOverride, parseConfig, type ExperimentConfig } from '../../src/cil/config.js';
import type { PretrainData } from '../../src/cil/pretrain.js';
import type { ExperimentData } from '../../src/cil/runner.js';
import { concatSamples, samplesAt } from '../../src/cil/samples.js';
import { buildClassIncremental } from '../../src/data/scenario.js';

export const SIZE = 8;
export const CLASSES = 10;

function split(name: string, protos: Uint8Array[], perClass: number, noise: number, rng: Rng): ImageDataset {
  const dim = SIZE * SIZE, n = CLASSES * perClass;
  const images = new Uint8Array(n * dim), labels = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < CLASSES; c++) for (let k = 0; k < perClass; k++, i++) {
    labels[i] = c;
    for (let p = 0; p < dim; p++) {
      const on = protos[c][p] === 1 ? !rng.bernoulli(noise) : rng.bernoulli(noise);
      images[i * dim + p] = on ? 200 + rng.int(56) : rng.int(60);
    }
  }
  return { name: 'synthetic', split: name, images, labels, shape: { n, h: SIZE, w: SIZE, c: 1 }, classNames: Array.from({ length: CLASSES }, (_, c) => String(c)) };
}

/** 10 classes of 8×8 grey images. */
export function syntheticData(o: { perClass?: number; testPerClass?: number; noise?: number; seed?: number } = {}): ExperimentData {
  const rng = new Rng(o.seed ?? 7);
  // Coarse prototypes (a random on/off pattern over 2×2-pixel cells) survive the 2×2 max-pools.
  const protos = Array.from({ length: CLASSES }, () => {
    const cells = Array.from({ length: (SIZE / 2) ** 2 }, () => (rng.bernoulli(0.4) ? 1 : 0));
    return Uint8Array.from({ length: SIZE * SIZE }, (_, p) => cells[Math.floor(Math.floor(p / SIZE) / 2) * (SIZE / 2) + Math.floor((p % SIZE) / 2)]);
  });
  return { train: split('train', protos, o.perClass ?? 24, o.noise ?? 0.2, rng), test: split('test', protos, o.testPerClass ?? 12, o.noise ?? 0.2, rng) };
}

/**
 * A tiny FBNN-ER study config for 8×8 images: 2 binary conv blocks, 64-bit latent, skip classifier
 * with 16 hidden units and a ternary head; 4 pre-training classes, then 3 deployment tasks of 2.
 * `sets` are `--set`-style overrides ('training.epochs=2').
 */
export function tinyConfig(sets: readonly string[] = []): ExperimentConfig {
  const raw: Record<string, unknown> = {
    name: 'tiny-fbnn-er',
    data: { dataset: 'synthetic', scenario: 'B4 Inc2' },
    model: { kind: 'fbnn', widths: [8, 16], groups: [1, 2], convsPerBlock: 1, latentBits: 64, levels: 2, hidden: [16], skip: true, head: 'ternary' },
    strategy: { name: 'native-replay', pixelBits: 7, lossBalance: 0.5 },
    training: { epochs: 4, batchSize: 8, lr: 0.01, schedule: 'plateau', patience: 1, minLr: 1e-6, augment: 'none' },
    budget: { bufferBits: 20_000 },
    pretrain: { epochs: 12, batchSize: 8, lr: 0.02, augment: 'none' },
  };
  for (const s of sets) applyOverride(raw, s);
  return parseConfig(raw, 'test config');
}

/** The pre-training view of the synthetic data under `cfg`'s scenario: base task, and every later task. */
export function pretrainData(data: ExperimentData, cfg: ExperimentConfig = tinyConfig()): PretrainData {
  const sc = buildClassIncremental(data.train.labels, data.test.labels, { numClasses: CLASSES, spec: cfg.data.scenario });
  const [b, ...rest] = sc.tasks;
  return {
    base: { train: samplesAt(data.train, b.train), test: samplesAt(data.test, b.test) },
    deployment: { train: concatSamples(rest.map((t) => samplesAt(data.train, t.train))), test: concatSamples(rest.map((t) => samplesAt(data.test, t.test))) },
  };
}
