// The GBM study driver behind docs/results/gbm.md: runs one experiment config (the `bitspike cil`
// JSON format, with --set overrides) through the same data → scenario → learner → per-task
// evaluation loop as src/cil/runner.ts, optionally reusing a cached base-task model (baseCache.ts),
// and writes one results JSON (per-task accuracies, old/new accuracy, memory in bits, summary, the
// exact command). Its command line is `bitspike gbm-study` (src/cli/commands/gbm-study.ts).
import { subset, type ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/registry.js';
import { buildClassIncremental, type ClassOrder } from '../data/scenario.js';
import type { ExperimentConfig } from '../cil/config.js';
import { Learner } from '../cil/learner.js';
import { evaluateTask, summarize } from '../cil/metrics.js';
import type { Reporter, TaskRecord } from '../cil/runner.js';
import { describeMethod } from '../cil/runner.js';
import { concatSamples, firstPerClass, samplesAt } from '../cil/samples.js';
import { strategyEntry } from '../cil/strategies/index.js';
import type { Strategy } from '../cil/learner.js';
import { withBaseCache, type BaseCacheStatus } from './baseCache.js';

/**
 * Makes every epoch of the incremental tasks (t ≥ 1) pass `passes` times over the task's data: the
 * classifier-only phase of GBM and latent replay gets passes × training.epochs epochs (docs/methods-cil.md
 * §2.8 suggests 30–60) without retraining the base task. Applies to any strategy alike.
 */
export function withIncrementalPasses(inner: Strategy, passes: number): Strategy {
  if (!Number.isInteger(passes) || passes < 1) throw new RangeError(`incremental passes must be an integer ≥ 1, got ${passes}`);
  if (passes === 1) return inner;
  return {
    ...inner,
    trainingData: (learner, task) => {
      const data = inner.trainingData?.(learner, task) ?? task;
      return learner.tasksLearned === 0 ? data : concatSamples(Array.from({ length: passes }, () => data));
    },
  };
}

export interface StudyResult {
  name: string;
  method: string;
  model: string;
  command: string;
  config: ExperimentConfig;
  baseCache: BaseCacheStatus | null;
  incrementalPasses: number;
  tasks: Omit<TaskRecord, 'confusion'>[];
  summary: ReturnType<typeof summarize>;
  defaults: string[];
  wallMs: number;
}

async function load(cfg: ExperimentConfig, split: string, perClass: number | null): Promise<ImageDataset> {
  const ds = await loadDataset(cfg.data.dataset, split, { dataDir: cfg.data.dataDir ?? undefined });
  return perClass === null ? ds : subset(ds, firstPerClass(ds.labels, perClass));
}

/**
 * Runs `cfg` end to end; with `baseCacheDir`, the base task is loaded from / saved to that folder.
 * `log` gets a heading and a line per task; `reporter` the progress events of the CIL runner.
 */
export async function runStudy(cfg: ExperimentConfig, opts: { baseCacheDir?: string | null; incrementalPasses?: number; command?: string; log?: (s: string) => void; reporter?: Reporter } = {}): Promise<StudyResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const reporter = opts.reporter ?? {};
  const train = await load(cfg, 'train', cfg.data.trainPerClass);
  const test = await load(cfg, cfg.data.dataset === 'tiny-imagenet' ? 'val' : 'test', cfg.data.testPerClass);
  const numClasses = train.classNames.length;
  const scenario = buildClassIncremental(train.labels, test.labels, { numClasses, spec: cfg.data.scenario, order: cfg.data.classOrder as ClassOrder });
  const taskOfClass = new Int32Array(numClasses).fill(-1);
  for (const t of scenario.tasks) for (const c of t.classes) taskOfClass[c] = t.index;
  let strategy = strategyEntry(cfg.strategy.name).create(cfg.strategy.options);
  let baseCache: BaseCacheStatus | null = null;
  if (opts.baseCacheDir) ({ strategy, status: baseCache } = withBaseCache(strategy, cfg, opts.baseCacheDir));
  const passes = opts.incrementalPasses ?? 1;
  strategy = withIncrementalPasses(strategy, passes);
  const learner = new Learner({
    model: cfg.model, inputDim: train.shape.h * train.shape.w * train.shape.c, numClasses,
    training: cfg.training, budget: cfg.budget, strategy, seed: cfg.seed,
  });
  log(`${cfg.name}: ${describeMethod(cfg)} on ${learner.net.describe()}${baseCache ? ` (base cache ${baseCache.hit ? 'hit' : 'miss'})` : ''}`);
  const tasks: StudyResult['tasks'] = [];
  const records: TaskRecord[] = [];
  reporter.start?.({ config: cfg, tasks: scenario.tasks.length, resumedAt: 0, trainSize: train.shape.n, testSize: test.shape.n, taskTrainSizes: scenario.tasks.map((t) => t.train.length) });
  for (const task of scenario.tasks) {
    const tTask = performance.now();
    reporter.taskStart?.(task.index, scenario.tasks.length, task.classes);
    learner.learnTask(samplesAt(train, task.train), { onBatch: (info) => reporter.batch?.(task.index, info) });
    const trainMs = Math.round(performance.now() - tTask);
    const testSet = samplesAt(test, task.cumulativeTest);
    const ev = evaluateTask(task.index, testSet.y, learner.predict(testSet), taskOfClass);
    const record: TaskRecord = {
      task: task.index, classes: task.classes, trainSamples: task.train.length, testSamples: ev.testSamples, accuracy: ev.accuracy,
      oldAccuracy: ev.oldAccuracy, newAccuracy: ev.newAccuracy, perTask: ev.perTask, memory: learner.memory(), confusion: ev.confusion,
    };
    records.push(record);
    reporter.taskEnd?.(record, { task: task.index, trainMs, evalMs: Math.round(performance.now() - tTask) - trainMs });
    const { confusion: _omit, ...slim } = record;
    tasks.push(slim);
    log(`  task ${task.index}: A=${(ev.accuracy * 100).toFixed(1)}%${ev.oldAccuracy === null ? '' : ` old=${(ev.oldAccuracy * 100).toFixed(1)}% new=${(ev.newAccuracy * 100).toFixed(1)}%`} (${Math.round((performance.now() - t0) / 1000)} s)`);
  }
  return {
    name: cfg.name, method: describeMethod(cfg), model: learner.net.describe(), command: opts.command ?? '', config: cfg, baseCache, incrementalPasses: passes,
    tasks, summary: summarize(records), defaults: strategy.defaults?.() ?? [], wallMs: Math.round(performance.now() - t0),
  };
}
