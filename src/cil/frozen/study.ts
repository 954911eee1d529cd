// The frozen-encoder study (docs/methods-cil.md §6, docs/results/gbm.md): one config names the data,
// scenario, class order, backbone and base training (the usual CIL config) plus a `frozen` section
// with the classifier settings and the methods to compare. The base network is trained once
// (resumable, cached: baseNetwork.ts), every image is embedded once (featureCache.ts), and each
// method then runs every step on the same cached features with the same classifier settings and
// the same Rng seed. Each step is scored with the CIL metrics (metrics.ts) on every class seen.
import type { ImageDataset } from '../../data/dataset.js';
import { subset } from '../../data/dataset.js';
import { loadDataset } from '../../data/registry.js';
import { buildClassIncremental, type ClassOrder, type Scenario } from '../../data/scenario.js';
import { Rng } from '../../engine/random.js';
import type { ExperimentConfig } from '../config.js';
import type { Progress } from '../learner.js';
import { evaluateTask, summarize, type Summary } from '../metrics.js';
import { firstPerClass } from '../samples.js';
import { trainOrLoadBase, type BaseTrainingInfo } from './baseNetwork.js';
import { cachedFeatures, type FeatureSet } from './featureCache.js';
import { gatherRows } from './linearClassifier.js';
import { memoryBits, type ClassifierSettings, type FrozenMethodSpec, type MemoryParts } from './method.js';
import { featureMethodEntry } from './methods/index.js';


export interface FrozenStepRecord {
  step: number;
  classes: number[];
  accuracy: number;
  oldAccuracy: number | null;
  newAccuracy: number;
  perTask: number[];
  /** Bits kept between steps, by part, after this step. */
  memory: MemoryParts;
  memoryBits: number;
  classifierBits: number;
  /** Wall time of learnStep (training; evaluation excluded). */
  stepMs: number;
}

export interface FrozenMethodResult {
  label: string;
  name: string;
  options: Record<string, unknown>;
  describe: string;
  steps: FrozenStepRecord[];
  summary: Summary;
  wallMs: number;
}

export interface FrozenStudyResult {
  name: string;
  command: string;
  config: ExperimentConfig;
  scenario: { name: string; classOrder: number[]; steps: number };
  base: BaseTrainingInfo & { key: string; cached: boolean };
  features: { dim: number; train: number; test: number; embedMs: number };
  methods: FrozenMethodResult[];
}

async function load(cfg: ExperimentConfig, split: string, perClass: number | null): Promise<ImageDataset> {
  const ds = await loadDataset(cfg.data.dataset, split, { dataDir: cfg.data.dataDir ?? undefined });
  return perClass === null ? ds : subset(ds, firstPerClass(ds.labels, perClass));
}

/** The test split of a dataset (TinyImageNet's labelled held-out split is 'val'). */
export const testSplitOf = (dataset: string): string => (dataset === 'tiny-imagenet' ? 'val' : 'test');

const rowsOf = (f: FeatureSet, idx: Int32Array): FeatureSet => ({ ...gatherRows(f.x, f.y, f.dim, idx), dim: f.dim });

/** Runs one method over every step of `scenario` on cached features. */
export function runFrozenMethod(spec: FrozenMethodSpec, scenario: Scenario, train: FeatureSet, test: FeatureSet, classifier: ClassifierSettings, seed: number, log: (s: string) => void = () => undefined): FrozenMethodResult {
  const t0 = performance.now();
  const method = featureMethodEntry(spec.name).create(spec.options, train.dim);
  const rng = new Rng(seed);
  const taskOfClass = new Int32Array(scenario.numClasses).fill(-1);
  for (const t of scenario.tasks) for (const c of t.classes) taskOfClass[c] = t.index;
  const steps: FrozenStepRecord[] = [];
  for (const task of scenario.tasks) {
    const ts = performance.now();
    method.learnStep(rowsOf(train, task.train), {
      step: task.index, newClasses: task.classes, seenClasses: task.seenClasses, numClasses: scenario.numClasses, classifier, rng,
    });
    const stepMs = Math.round(performance.now() - ts);
    const te = rowsOf(test, task.cumulativeTest);
    const ev = evaluateTask(task.index, te.y, method.predict(te.x, te.n), taskOfClass);
    const memory = method.memory();
    steps.push({
      step: task.index, classes: task.classes, accuracy: ev.accuracy, oldAccuracy: ev.oldAccuracy, newAccuracy: ev.newAccuracy, perTask: ev.perTask,
      memory, memoryBits: memoryBits(memory), classifierBits: method.classifierBits(), stepMs,
    });
    log(`  ${spec.label} step ${task.index}: A=${(ev.accuracy * 100).toFixed(2)}%${ev.oldAccuracy === null ? '' : ` old=${(ev.oldAccuracy * 100).toFixed(1)}% new=${(ev.newAccuracy * 100).toFixed(1)}%`} (${(stepMs / 1000).toFixed(1)} s)`);
  }
  return { label: spec.label, name: spec.name, options: spec.options, describe: method.describe(), steps, summary: summarize(steps.map((s) => ({ task: s.step, accuracy: s.accuracy, perTask: s.perTask }))), wallMs: Math.round(performance.now() - t0) };
}

export interface FrozenStudyOptions {
  cacheDir: string;
  command?: string;
  log?: (s: string) => void;
  progress?: Progress;
  /** Stop after the base training (and its feature cache): the long part, run on its own. */
  baseOnly?: boolean;
  /** Results of methods already run for this config (resume): kept, not rerun. */
  done?: FrozenMethodResult[];
  /** Called after every method (e.g. to write the partial results). */
  onMethod?: (partial: FrozenStudyResult) => void;
}

export async function runFrozenStudy(cfg: ExperimentConfig, opts: FrozenStudyOptions): Promise<FrozenStudyResult> {
  const frozen = cfg.frozen;
  if (!frozen) throw new RangeError(`${cfg.name}: the config has no 'frozen' section (classifier settings and methods of the frozen-encoder study)`);
  const log = opts.log ?? (() => undefined);
  const train = await load(cfg, 'train', cfg.data.trainPerClass);
  const test = await load(cfg, testSplitOf(cfg.data.dataset), cfg.data.testPerClass);
  const scenario = buildClassIncremental(train.labels, test.labels, { numClasses: train.classNames.length, spec: cfg.data.scenario, order: cfg.data.classOrder as ClassOrder });
  const base = trainOrLoadBase(cfg, train, test, scenario, { cacheDir: opts.cacheDir, log, progress: opts.progress });
  const trainF = cachedFeatures(opts.cacheDir, base.key, 'train', base.learner, train, log);
  const testF = cachedFeatures(opts.cacheDir, base.key, testSplitOf(cfg.data.dataset), base.learner, test, log);
  const { learner: _l, file: _f, hit, key, ...info } = base;
  const result: FrozenStudyResult = {
    name: cfg.name, command: opts.command ?? '', config: cfg,
    scenario: { name: cfg.data.scenario, classOrder: Array.from(scenario.classOrder), steps: scenario.tasks.length },
    base: { ...info, key, cached: hit },
    features: { dim: trainF.dim, train: trainF.n, test: testF.n, embedMs: trainF.ms + testF.ms },
    methods: [],
  };
  if (opts.baseOnly) return result;
  const done = new Map((opts.done ?? []).map((m) => [m.label, m]));
  for (const spec of frozen.methods) {
    const prev = done.get(spec.label);
    if (prev && prev.name === spec.name && JSON.stringify(prev.options) === JSON.stringify(spec.options)) {
      log(`${spec.label}: kept from the previous run`);
      result.methods.push(prev);
    } else {
      log(`${spec.label}:`);
      result.methods.push(runFrozenMethod(spec, scenario, trainF, testF, frozen.classifier, cfg.seed, log));
    }
    opts.onMethod?.(result);
  }
  return result;
}
