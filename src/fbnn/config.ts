// The FBNN-ER study config (JSON): data split into pre-training (base) classes and deployment tasks,
// the FBNN layout, semi-supervised pre-training, replay training and the budget ladder. Unknown keys
// are rejected with their path; `--set path=value` overrides apply before validation (src/cil/config's
// applyOverride). Every value that is a bitspike default rather than a paper value is named in
// FBNN_ER_DEFAULTS_IN_EFFECT so reports can list them (methods-cil.md §0 code rule).
import { readConfigFile, applyOverride } from '../cil/config.js';
import { ConfigError, validateObject, type ObjectFields } from '../cil/schema.js';
import { parseAugment } from '../data/augment.js';
import type { FbnnModelOptions } from './model.js';

export const FBNN_ER_FORMAT = 'bitspike-fbnn-er';

export type SslKind = 'rotation' | 'infonce' | 'none';

export interface FbnnErConfig {
  format: typeof FBNN_ER_FORMAT;
  name: string;
  seed: number;
  data: {
    dataset: string;
    /** Classes of the pre-training phase (the first ones in class order). */
    baseClasses: number;
    /** Classes per deployment task. */
    increment: number;
    classOrder: 'identity' | { seed: number } | { numpySeed: number } | number[];
    trainPerClass: number | null;
    testPerClass: number | null;
    dataDir: string | null;
  };
  model: FbnnModelOptions;
  pretrain: {
    /** Self-supervised term: 4-way rotation prediction, InfoNCE between two views, or none (supervised only). */
    ssl: SslKind;
    beta: number;
    /** InfoNCE temperature. */
    temperature: number;
    /** Unlabelled images: the pre-training images themselves, or also the deployment classes' training images (flagged variant). */
    unlabelled: 'base' | 'base+deployment';
    epochs: number;
    batchSize: number;
    lr: number;
    augment: string;
  };
  replay: {
    maxEpochs: number;
    batchSize: number;
    lr: number;
    minLr: number;
    factor: number;
    patience: number;
    /** Bits per stored pixel for native replay (§3.5: 7). */
    pixelBits: number;
    /** λ of λ·CE(new) + (1−λ)·CE(replay); null: one CE over the joined minibatch. */
    lossBalance: number | null;
    /** Augmentation of native-replay images (new and replayed); latents cannot be augmented. */
    augment: string;
  };
  ladder: {
    minMb: number;
    /** Budgets per decade between minMb and the whole deployment training set. */
    perDecade: number;
  };
}

const augmentField = (def: string) => ({
  kind: 'custom' as const, default: def, help: "'none' or steps like 'crop:4,flip'",
  check: (v: unknown, path: string) => {
    if (typeof v !== 'string') throw new ConfigError(`${path}: expected a string like 'crop:4,flip' or 'none', got ${JSON.stringify(v)}`);
    try { parseAugment(v); } catch (e) { throw new ConfigError(`${path}: ${(e as Error).message}`); }
    return v;
  },
});

const classOrderField = {
  kind: 'custom' as const, default: 'identity', help: "'identity', {seed}, {numpySeed} or a permutation",
  check: (v: unknown, path: string): unknown => {
    if (v === 'identity') return v;
    if (Array.isArray(v) && v.every(Number.isInteger)) return [...v];
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1) {
      const o = v as { seed?: unknown; numpySeed?: unknown };
      if (Number.isInteger(o.seed)) return { seed: o.seed };
      if (Number.isInteger(o.numpySeed)) return { numpySeed: o.numpySeed };
    }
    throw new ConfigError(`${path}: expected 'identity', {"seed": <int>}, {"numpySeed": <int>} or a permutation list, got ${JSON.stringify(v)}`);
  },
};

export const FBNN_ER_FIELDS: ObjectFields = {
  format: { kind: 'string', enum: [FBNN_ER_FORMAT], default: FBNN_ER_FORMAT, help: 'file format tag' },
  name: { kind: 'string', default: 'fbnn-er', help: 'study name' },
  seed: { kind: 'number', int: true, min: 0, default: 1, help: 'seed of every random draw' },
  data: {
    kind: 'object', fields: {
      dataset: { kind: 'string', default: 'fashion-mnist', help: 'dataset name (bitspike data list)' },
      baseClasses: { kind: 'number', int: true, min: 1, default: 5, help: 'pre-training classes' },
      increment: { kind: 'number', int: true, min: 1, default: 1, help: 'classes per deployment task' },
      classOrder: classOrderField,
      trainPerClass: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'first N training images per class (null: all)' },
      testPerClass: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'first N test images per class (null: all)' },
      dataDir: { kind: 'string', nullable: true, default: null, help: 'data directory (default $BITSPIKE_DATA)' },
    },
  },
  model: {
    kind: 'object', fields: {
      widths: { kind: 'intList', min: 1, default: [32, 64, 128], help: 'binary conv block widths (ISCAS: [128,256,512])' },
      groups: { kind: 'intList', min: 1, default: [1, 2, 4], help: 'conv groups per block' },
      convsPerBlock: { kind: 'number', int: true, min: 1, default: 1, help: 'binary 3×3 convs per block' },
      latentBits: { kind: 'number', int: true, min: 1, default: 1024, help: 'bits of the binary bottleneck (ISCAS: 1,024)' },
      levels: { kind: 'number', int: true, min: 1, max: 255, default: 8, help: 'thermometer levels per channel (ISCAS: 85)' },
      learnableGain: { kind: 'boolean', default: true, help: 'learnable per-channel gain/bias in ScaledSign' },
      classifierHidden: { kind: 'number', int: true, min: 0, default: 128, help: 'hidden binary units of the skip classifier (ISCAS: 128)' },
    },
  },
  pretrain: {
    kind: 'object', fields: {
      ssl: { kind: 'string', enum: ['rotation', 'infonce', 'none'], default: 'rotation', help: 'self-supervised term' },
      beta: { kind: 'number', min: 0, default: 1, help: 'β of CE + β·L_SSL' },
      temperature: { kind: 'number', min: 1e-6, default: 0.2, help: 'InfoNCE temperature' },
      unlabelled: { kind: 'string', enum: ['base', 'base+deployment'], default: 'base', help: 'images of the self-supervised term' },
      epochs: { kind: 'number', int: true, min: 1, default: 10, help: 'pre-training epochs' },
      batchSize: { kind: 'number', int: true, min: 1, default: 64, help: 'labelled images per minibatch' },
      lr: { kind: 'number', min: 1e-12, default: 1e-3, help: 'Adam learning rate' },
      augment: augmentField('crop:4,flip'),
    },
  },
  replay: {
    kind: 'object', fields: {
      maxEpochs: { kind: 'number', int: true, min: 1, default: 10, help: 'epochs per deployment task at most' },
      batchSize: { kind: 'number', int: true, min: 1, default: 64, help: 'current-task samples per minibatch (as many replayed)' },
      lr: { kind: 'number', min: 1e-12, default: 1e-3, help: 'Adam learning rate at the start of each task' },
      minLr: { kind: 'number', min: 0, default: 1e-6, help: 'a task ends when the lr falls below this floor' },
      factor: { kind: 'number', min: 1e-6, max: 0.999999, default: 0.5, help: 'reduce-on-plateau factor' },
      patience: { kind: 'number', int: true, min: 0, default: 2, help: 'reduce-on-plateau patience (epochs)' },
      pixelBits: { kind: 'number', int: true, min: 1, max: 8, default: 7, help: 'bits per stored pixel (native replay)' },
      lossBalance: { kind: 'number', min: 0, max: 1, nullable: true, default: 0.5, help: 'λ of λ·CE(new) + (1−λ)·CE(replay)' },
      augment: augmentField('crop:4,flip'),
    },
  },
  ladder: {
    kind: 'object', fields: {
      minMb: { kind: 'number', min: 1e-6, default: 0.05, help: 'smallest buffer budget (Mb = 10^6 bits)' },
      perDecade: { kind: 'number', int: true, min: 1, default: 3, help: 'budgets per decade (1-2-5 steps for 3)' },
    },
  },
};

/** Validates a raw config (defaults filled, unknown keys rejected, consistency checked). */
export function parseFbnnErConfig(raw: unknown, source = 'config'): FbnnErConfig {
  let c: FbnnErConfig;
  try {
    c = validateObject(FBNN_ER_FIELDS, raw, 'config') as unknown as FbnnErConfig;
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${source}: ${e.message}`);
    throw e;
  }
  if (c.model.groups.length !== c.model.widths.length) {
    throw new ConfigError(`${source}: config.model.groups has ${c.model.groups.length} entries for ${c.model.widths.length} widths`);
  }
  return c;
}

/** Reads a config file and applies `--set path=value` overrides. */
export function loadFbnnErConfig(file: string, sets: readonly string[] = []): FbnnErConfig {
  const raw = readConfigFile(file) as Record<string, unknown>;
  for (const s of sets) applyOverride(raw, s);
  return parseFbnnErConfig(raw, file);
}

/** Defaults of this config that are bitspike choices, not paper values (listed in every report). */
export function defaultsInEffect(c: FbnnErConfig): string[] {
  return [
    `pre-training self-supervised term: ${c.pretrain.ssl}${c.pretrain.ssl === 'none' ? '' : ` (β = ${c.pretrain.beta})`}, unlabelled images: ${c.pretrain.unlabelled}`,
    `loss balancing λ·CE(new) + (1−λ)·CE(replay), λ = ${c.replay.lossBalance}`,
    'class-balanced buffer, random eviction, half new / half replayed minibatches',
    `Adam ${c.replay.lr} with reduce-on-plateau ×${c.replay.factor} (patience ${c.replay.patience}) to ${c.replay.minLr}, at most ${c.replay.maxEpochs} epochs per task`,
    `skip classifier with ${c.model.classifierHidden} hidden binary units and ternary (duplicated binary) output weights`,
    `thermometer input with ${c.model.levels} uniform levels per channel`,
    'buffer capacity counts sample payload bits only (as the paper\'s 25 Mb = 24,400 × 1,024 bits); label bits are reported separately',
  ];
}
