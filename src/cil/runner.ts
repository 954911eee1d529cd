// Runs one experiment end to end: data → scenario → (pre-training) → learner → per-task train /
// evaluate / report / snapshot. With config.pretrain the scenario's first task pre-trains the encoder
// (src/cil/pretrain.ts) and is not a CIL step: the learner starts from the pre-trained encoder with a
// fresh classifier, learns the remaining tasks, and A_t covers the classes of those tasks seen so far
// (FBNN-ER's deployment protocol, docs/methods-cil.md §3.2). Writes to the run folder:
//   events.jsonl   one JSON line per event: start (config), task (metrics, memory, timings), end (summary)
//   results.json   the deterministic results (no wall-clock): equal for a resumed and an uninterrupted run
//   timings.json   per-task wall-clock timings
//   snapshot.json  whole-learner snapshot after the last finished task (resume point)
import fs from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../data/registry.js';
import { subset, type ImageDataset } from '../data/dataset.js';
import { buildClassIncremental, type ClassOrder } from '../data/scenario.js';
import { canonicalConfig, type ExperimentConfig } from './config.js';
import { ConfigError } from './schema.js';
import { Learner, type Progress, type TaskTraining } from './learner.js';
import { evaluateTask, summarize, type Summary } from './metrics.js';
import type { MemoryReport } from './budget.js';
import { pretrainCached, type PretrainRecord } from './pretrain.js';
import { concatSamples, firstPerClass, samplesAt } from './samples.js';
import { loadSnapshot, saveSnapshot } from './snapshot.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { strategyEntry } from './strategies/index.js';

export interface TaskRecord {
  task: number;
  classes: number[];
  trainSamples: number;
  testSamples: number;
  accuracy: number;
  oldAccuracy: number | null;
  newAccuracy: number;
  perTask: number[];
  memory: MemoryReport;
  confusion: number[][];
  /** Epochs trained and why the task ended (plateau schedule: 'lr-floor'); absent in records written before the schedule existed. */
  epochs?: number;
  stoppedBy?: TaskTraining['stoppedBy'];
}

export interface TaskTiming { task: number; trainMs: number; evalMs: number }

export interface RunResults {
  name: string;
  method: string;
  config: ExperimentConfig;
  classNames: string[];
  tasks: TaskRecord[];
  summary: Summary;
  memory: MemoryReport;
  /** Defaults in effect that are not paper values. */
  defaults: string[];
  /** The pre-training step (config.pretrain), null without one. */
  pretraining?: PretrainRecord | null;
}

export interface Reporter {
  /** `taskTrainSizes`: training examples of each step's task (before any replay), for progress estimates. */
  start?(info: { config: ExperimentConfig; tasks: number; resumedAt: number; trainSize: number; testSize: number; taskTrainSizes: number[] }): void;
  taskStart?(task: number, tasks: number, classes: number[]): void;
  batch?(task: number, info: Parameters<NonNullable<Progress['onBatch']>>[0]): void;
  taskEnd?(record: TaskRecord, timing: TaskTiming): void;
}

export interface RunOptions {
  /** Run folder (events, results, snapshots); null: nothing written. */
  outDir: string | null;
  resume?: boolean;
  keepSnapshots?: boolean;
  reporter?: Reporter;
  /** Already loaded train/test splits (a study running many configs over one dataset); default: loaded from cfg.data. */
  data?: ExperimentData;
  /** Directory caching pre-trained encoders (config.pretrain); null or absent: pre-train every run. */
  pretrainCache?: string | null;
  /** Progress lines of the pre-training step. */
  log?: (line: string) => void;
}

/** The train and test splits of cfg.data (first N per class when set). */
export interface ExperimentData { train: ImageDataset; test: ImageDataset }

export async function loadExperimentData(cfg: ExperimentConfig): Promise<ExperimentData> {
  return { train: await loadSplit(cfg, 'train', cfg.data.trainPerClass), test: await loadSplit(cfg, testSplit(cfg), cfg.data.testPerClass) };
}

async function loadSplit(cfg: ExperimentConfig, split: string, perClass: number | null): Promise<ImageDataset> {
  const ds = await loadDataset(cfg.data.dataset, split, { dataDir: cfg.data.dataDir ?? undefined });
  return perClass === null ? ds : subset(ds, firstPerClass(ds.labels, perClass));
}

function testSplit(cfg: ExperimentConfig): string {
  return cfg.data.dataset === 'tiny-imagenet' ? 'val' : 'test';
}

export function describeMethod(cfg: ExperimentConfig): string {
  return strategyDescription(cfg) + (cfg.pretrain ? `, encoder pre-trained on the first task (${cfg.pretrain.ssl === 'none' ? 'supervised' : `CE + ${cfg.pretrain.beta}·${cfg.pretrain.ssl}`})` : '');
}

function strategyDescription(cfg: ExperimentConfig): string {
  const o = cfg.strategy.options;
  switch (cfg.strategy.name) {
    case 'native-replay': return `native-replay (${o.policy}, ${o.pixelBits}-bit pixels${o.lossBalance !== null ? `, λ=${o.lossBalance}` : ''})`;
    case 'latent-replay': return `latent-replay (${o.format} latents at layer ${o.layer}, ${o.source}${o.source === 'buffer' ? ` ${o.policy}` : ''}${o.lossBalance !== null ? `, λ=${o.lossBalance}` : ''})`;
    case 'icarl': return `icarl (herding, ${o.pixelBits}-bit pixels, NME)`;
    case 'lwf': return `lwf (α=${o.alpha}, T=${o.temperature})`;
    case 'gbm': return `gbm (K=${o.components}, ${o.precision} prototypes${o.lossBalance !== null ? `, λ=${o.lossBalance}` : ''})`;
    default: return cfg.strategy.name;
  }
}

export async function runExperiment(cfg: ExperimentConfig, opts: RunOptions): Promise<RunResults> {
  const { outDir, reporter = {} } = opts;
  if (cfg.frozen) throw new ConfigError(`${cfg.name}: the config has a 'frozen' section (a frozen-encoder study of several methods); run it with bitspike gbm-study`);
  const { train, test } = opts.data ?? await loadExperimentData(cfg);
  const numClasses = train.classNames.length;
  const scenario = buildClassIncremental(train.labels, test.labels, {
    numClasses, spec: cfg.data.scenario, order: cfg.data.classOrder as ClassOrder,
  });
  if (cfg.pretrain && scenario.tasks.length < 2) throw new RangeError(`config.pretrain: the scenario '${cfg.data.scenario}' has ${scenario.tasks.length} task; pre-training takes the first and needs at least one more`);
  // The CIL steps: every task, or every task after the pre-training one (re-indexed from 0).
  const steps = (cfg.pretrain ? scenario.tasks.slice(1) : scenario.tasks).map((task, index) => ({ ...task, index }));
  const taskOfClass = new Int32Array(numClasses).fill(-1);
  for (const t of steps) for (const c of t.classes) taskOfClass[c] = t.index;
  const strategy = strategyEntry(cfg.strategy.name).create(cfg.strategy.options);
  const learner = new Learner({
    model: cfg.model, inputDim: train.shape.h * train.shape.w * train.shape.c, numClasses,
    classes: steps.reduce((n, t) => n + t.classes.length, 0),
    training: cfg.training, budget: cfg.budget, strategy, seed: cfg.seed,
  });
  let pretraining: PretrainRecord | null = null;
  let pretrainedWeights: Record<string, Float32Array> | null = null;
  if (cfg.pretrain) {
    const base = scenario.tasks[0];
    const pre = pretrainCached(cfg, strategy.split, {
      base: { train: samplesAt(train, base.train), test: samplesAt(test, base.test) },
      deployment: { train: concatSamples(steps.map((t) => samplesAt(train, t.train))), test: concatSamples(steps.map((t) => samplesAt(test, t.test))) },
    }, opts.pretrainCache ?? null, opts.log);
    pretraining = pre.record;
    pretrainedWeights = pre.weights;
  }

  const canonical = canonicalConfig(cfg);
  let records: TaskRecord[] = [];
  let timings: TaskTiming[] = [];
  const events = outDir ? path.join(outDir, 'events.jsonl') : null;
  const line = (o: unknown): string => `${JSON.stringify(o)}\n`;
  const snap = outDir && opts.resume ? loadSnapshot<TaskRecord, TaskTiming>(outDir) : null;
  if (outDir && opts.resume && !snap && fs.existsSync(path.join(outDir, 'results.json'))) {
    throw new Error(`${outDir}: the run already finished (results.json exists) and has no snapshot to resume from`);
  }
  if (snap) {
    if (snap.config !== canonical) throw new Error(`${outDir}: the snapshot was made with a different config; resume needs the same config (or start a new --out folder)`);
    learner.loadState(snap.learner);
    records = snap.records;
    timings = snap.timings;
  } else if (outDir && !opts.resume && fs.existsSync(path.join(outDir, 'snapshot.json'))) {
    throw new Error(`${outDir} already holds a run: pass --resume to continue it, or choose another --out folder`);
  }
  // A resumed learner already holds its (pre-trained, then trained) encoder in the snapshot.
  if (pretrainedWeights && !snap) learner.loadPretrainedEncoder(pretrainedWeights);
  if (events) {
    // Events restart from the snapshot's records so a resumed log has no half-finished task.
    const head = line({ type: 'start', name: cfg.name, method: describeMethod(cfg), config: cfg });
    writeFileAtomic(events, head + records.map((r, i) => line({ type: 'task', ...r, timing: timings[i] })).join(''));
  }
  reporter.start?.({ config: cfg, tasks: steps.length, resumedAt: records.length, trainSize: train.shape.n, testSize: test.shape.n, taskTrainSizes: steps.map((s) => s.train.length) });

  for (let t = records.length; t < steps.length; t++) {
    const task = steps[t];
    reporter.taskStart?.(t, steps.length, task.classes);
    const t0 = performance.now();
    const data = samplesAt(train, task.train);
    const trained = learner.learnTask(data, { onBatch: (info) => reporter.batch?.(t, info) });
    const t1 = performance.now();
    const testSet = samplesAt(test, cfg.pretrain ? Int32Array.from(steps.slice(0, t + 1).flatMap((s) => Array.from(s.test))).sort() : task.cumulativeTest);
    const ev = evaluateTask(t, testSet.y, learner.predict(testSet), taskOfClass);
    const t2 = performance.now();
    const record: TaskRecord = {
      task: t, classes: task.classes, trainSamples: data.n, testSamples: ev.testSamples,
      accuracy: ev.accuracy, oldAccuracy: ev.oldAccuracy, newAccuracy: ev.newAccuracy, perTask: ev.perTask,
      memory: learner.memory(), confusion: ev.confusion, epochs: trained.epochs, stoppedBy: trained.stoppedBy,
    };
    const timing: TaskTiming = { task: t, trainMs: Math.round(t1 - t0), evalMs: Math.round(t2 - t1) };
    records.push(record);
    timings.push(timing);
    if (outDir) {
      fs.appendFileSync(events!, line({ type: 'task', ...record, timing }));
      saveSnapshot(outDir, { version: 1, config: canonical, completedTasks: t + 1, learner: learner.state(), records, timings }, opts.keepSnapshots);
    }
    reporter.taskEnd?.(record, timing);
  }

  const results: RunResults = {
    name: cfg.name, method: describeMethod(cfg), config: cfg, classNames: [...train.classNames], tasks: records,
    summary: summarize(records), memory: records[records.length - 1].memory, defaults: strategy.defaults?.() ?? [], pretraining,
  };
  if (outDir) {
    writeFileAtomic(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
    writeFileAtomic(path.join(outDir, 'timings.json'), JSON.stringify(timings, null, 1));
    fs.appendFileSync(events!, line({ type: 'end', summary: results.summary, memory: results.memory }));
  }
  return results;
}
