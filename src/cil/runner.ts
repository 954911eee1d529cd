// Runs one experiment end to end: data → scenario → learner → per-task train / evaluate / report /
// snapshot. Writes to the run folder:
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
import { Learner, type Progress } from './learner.js';
import { evaluateTask, summarize, type Summary } from './metrics.js';
import type { MemoryReport } from './budget.js';
import { firstPerClass, samplesAt } from './samples.js';
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
}

export interface Reporter {
  start?(info: { config: ExperimentConfig; tasks: number; resumedAt: number; trainSize: number; testSize: number }): void;
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
}

async function loadSplit(cfg: ExperimentConfig, split: string, perClass: number | null): Promise<ImageDataset> {
  const ds = await loadDataset(cfg.data.dataset, split, { dataDir: cfg.data.dataDir ?? undefined });
  return perClass === null ? ds : subset(ds, firstPerClass(ds.labels, perClass));
}

function testSplit(cfg: ExperimentConfig): string {
  return cfg.data.dataset === 'tiny-imagenet' ? 'val' : 'test';
}

export function describeMethod(cfg: ExperimentConfig): string {
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
  const train = await loadSplit(cfg, 'train', cfg.data.trainPerClass);
  const test = await loadSplit(cfg, testSplit(cfg), cfg.data.testPerClass);
  const numClasses = train.classNames.length;
  const scenario = buildClassIncremental(train.labels, test.labels, {
    numClasses, spec: cfg.data.scenario, order: cfg.data.classOrder as ClassOrder,
  });
  const taskOfClass = new Int32Array(numClasses).fill(-1);
  for (const t of scenario.tasks) for (const c of t.classes) taskOfClass[c] = t.index;
  const strategy = strategyEntry(cfg.strategy.name).create(cfg.strategy.options);
  const learner = new Learner({
    model: cfg.model, inputDim: train.shape.h * train.shape.w * train.shape.c, numClasses,
    training: cfg.training, budget: cfg.budget, strategy, seed: cfg.seed,
  });

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
  if (events) {
    // Events restart from the snapshot's records so a resumed log has no half-finished task.
    const head = line({ type: 'start', name: cfg.name, method: describeMethod(cfg), config: cfg });
    writeFileAtomic(events, head + records.map((r, i) => line({ type: 'task', ...r, timing: timings[i] })).join(''));
  }
  reporter.start?.({ config: cfg, tasks: scenario.tasks.length, resumedAt: records.length, trainSize: train.shape.n, testSize: test.shape.n });

  for (let t = records.length; t < scenario.tasks.length; t++) {
    const task = scenario.tasks[t];
    reporter.taskStart?.(t, scenario.tasks.length, task.classes);
    const t0 = performance.now();
    const data = samplesAt(train, task.train);
    learner.learnTask(data, { onBatch: (info) => reporter.batch?.(t, info) });
    const t1 = performance.now();
    const testSet = samplesAt(test, task.cumulativeTest);
    const ev = evaluateTask(t, testSet.y, learner.predict(testSet), taskOfClass);
    const t2 = performance.now();
    const record: TaskRecord = {
      task: t, classes: task.classes, trainSamples: data.n, testSamples: ev.testSamples,
      accuracy: ev.accuracy, oldAccuracy: ev.oldAccuracy, newAccuracy: ev.newAccuracy, perTask: ev.perTask,
      memory: learner.memory(), confusion: ev.confusion,
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
    summary: summarize(records), memory: records[records.length - 1].memory, defaults: strategy.defaults?.() ?? [],
  };
  if (outDir) {
    writeFileAtomic(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
    writeFileAtomic(path.join(outDir, 'timings.json'), JSON.stringify(timings, null, 1));
    fs.appendFileSync(events!, line({ type: 'end', summary: results.summary, memory: results.memory }));
  }
  return results;
}
