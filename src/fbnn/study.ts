// The FBNN-ER replay study (docs/methods-cil.md §3) as a configuration of the CIL framework: one CIL
// experiment config (configs/fbnn-*.json: FBNN backbone with skip classifier and ternary head,
// pre-training step, plateau schedule, augmentation, loss balancing) is run by src/cil/runner once per
// (buffer budget × λ) for one replay kind — latent replay (frozen pre-trained encoder, 1-bit latents)
// or native replay (images at the config's pixel depth, whole network trains). This file only
// derives each run's config from the study's (strategy, buffer bits), plans the class-balanced
// capacity of each budget (ladder.ts) and collects the runs; the results file is rewritten atomically
// after every run, so a long job keeps its finished runs if stopped.
import fs from 'node:fs';
import { buildClassIncremental, type ClassOrder } from '../data/scenario.js';
import { labelBits } from '../cil/budget.js';
import { applyOverride, parseConfig, readConfigFile, type ExperimentConfig } from '../cil/config.js';
import { ConfigError } from '../cil/schema.js';
import type { Summary } from '../cil/metrics.js';
import type { PretrainRecord } from '../cil/pretrain.js';
import type { StudyRun } from '../cil/progress.js';
import { loadExperimentData, runExperiment, type ExperimentData, type Reporter, type TaskRecord } from '../cil/runner.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { BITS_PER_MB, budgetLadder, imageSampleBits, latentSampleBits, mbToBits, planBuffer, type BufferPlan } from './ladder.js';

export type ReplayKind = 'latent' | 'native';

/** Pixel depth of native replay when the study config's strategy is not native-replay (the paper's 7-bit accounting, §3.5). */
export const DEFAULT_PIXEL_BITS = 7;
/** The ladder: 1-2-5 steps from 0.05 Mb up to the whole deployment training set stored as images. */
export const LADDER_MIN_MB = 0.05;
export const LADDER_PER_DECADE = 3;

export interface ReplayRun {
  kind: ReplayKind;
  budgetMb: number;
  lossBalance: number | null;
  /** The pre-training's self-supervised term ('none': supervised). */
  pretraining: string;
  plan: BufferPlan;
  /** False when the budget cannot hold one sample per deployment class (reported as n/a, not run). */
  feasible: boolean;
  labelBitsPerSample: number;
  /** Stored samples and their payload / label bits after the last task. */
  storedAtEnd: number;
  payloadBitsAtEnd: number;
  labelBitsAtEnd: number;
  /** Deployed bits of encoder + classifier after the last task. */
  modelBits: number;
  /** The CIL runner's records, one per deployment task. */
  tasks: TaskRecord[];
  summary: Summary | null;
  wallMs: number;
}

export interface StudyFile {
  format: 'bitspike-fbnn-er-results';
  version: 2;
  name: string;
  dataset: string;
  command: string;
  seed: number;
  /** The study's CIL config as given (each run derives its strategy and budget from it). */
  config: ExperimentConfig;
  kind: ReplayKind;
  defaults: string[];
  pretraining: PretrainRecord | null;
  data: { baseClasses: number[]; deploymentTasks: number[][]; baseTrain: number; deploymentTrain: number; deploymentTest: number; wholeSetMb: number };
  runs: ReplayRun[];
}

export interface StudyOptions {
  kind: ReplayKind;
  /** Budgets in Mb; null: the ladder up to the whole deployment training set. */
  budgetsMb: number[] | null;
  /** λ values (null = one CE over the joined batch); empty: the config's λ only. */
  lambdas: (number | null)[];
  /** Pre-trained encoder cache (every run of one config shares one pre-training). */
  cacheDir: string | null;
  out: string | null;
  /** Already loaded splits (tests, or several studies over one dataset); default: loaded from cfg.data. */
  data?: ExperimentData;
  command?: string;
  log?: (s: string) => void;
  /** Progress of every CIL run; `studyRun` (when present) hears of each feasible run before it starts. */
  reporter?: Reporter & { studyRun?(info: StudyRun): void };
}

/** Checks that a CIL config describes an FBNN-ER study and returns its replay settings. */
export function studySettings(cfg: ExperimentConfig, source = 'config'): { pixelBits: number; lossBalance: number | null; policy: string } {
  if (!cfg.pretrain) throw new RangeError(`${source}: an FBNN-ER study needs a pretrain section (the first task pre-trains the encoder)`);
  const o = cfg.strategy.options;
  if (cfg.strategy.name !== 'native-replay' && cfg.strategy.name !== 'latent-replay') {
    throw new RangeError(`${source}: strategy.name must be native-replay or latent-replay (the study runs both kinds from it), got '${cfg.strategy.name}'`);
  }
  return {
    pixelBits: cfg.strategy.name === 'native-replay' ? (o.pixelBits as number) : DEFAULT_PIXEL_BITS,
    lossBalance: o.lossBalance as number | null, policy: o.policy as string,
  };
}

/** Reads a study config (a CIL experiment config), applies `--set path=value` overrides, checks it describes a study. */
export function loadStudyConfig(file: string, sets: readonly string[] = []): ExperimentConfig {
  const raw = readConfigFile(file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object (a CIL experiment config)`);
  for (const s of sets) applyOverride(raw as Record<string, unknown>, s);
  const cfg = parseConfig(raw, file);
  try { studySettings(cfg, file); } catch (e) { throw new ConfigError((e as Error).message); }
  return cfg;
}

/** The CIL config of one study run: the replay kind's strategy, λ, and a buffer of exactly `capacity` samples. */
export function runConfig(cfg: ExperimentConfig, kind: ReplayKind, lossBalance: number | null, bufferBits: number): ExperimentConfig {
  const s = studySettings(cfg);
  const strategy = kind === 'latent'
    ? { name: 'latent-replay', layer: 1, format: 'binary', source: 'buffer', policy: s.policy, replayBatch: null, lossBalance }
    : { name: 'native-replay', policy: s.policy, pixelBits: s.pixelBits, replayBatch: null, lossBalance };
  return parseConfig({
    ...cfg, strategy,
    // Latents of a frozen encoder have no canonical augmentation (§3.2): LR trains on un-augmented images.
    training: { ...cfg.training, augment: kind === 'latent' ? 'none' : cfg.training.augment },
    budget: { ...cfg.budget, totalBits: null, bufferBits },
  }, cfg.name);
}

/** Bitspike defaults in effect for a study (listed in every results file and report). */
export function studyDefaults(cfg: ExperimentConfig, kind: ReplayKind): string[] {
  const p = cfg.pretrain!, t = cfg.training, s = studySettings(cfg);
  return [
    `pre-training self-supervised term: ${p.ssl}${p.ssl === 'none' ? '' : ` (β = ${p.beta})`}, unlabelled images: ${p.unlabelled}`,
    `loss balancing λ·CE(new) + (1−λ)·CE(replay), λ = ${s.lossBalance}`,
    `${s.policy} buffer, random eviction, half new / half replayed minibatches`,
    `${t.optimizer} ${t.lr}, ${t.schedule === 'plateau' ? `reduce-on-plateau ×${t.factor} (patience ${t.patience}) to ${t.minLr}, at most` : 'constant lr,'} ${t.epochs} epochs per task`,
    kind === 'latent' ? 'latent replay: no augmentation (latents have none)' : `native replay: augmentation '${t.augment}' of new and replayed images, ${s.pixelBits}-bit pixels`,
    'buffer capacity counts sample payload bits only (as the paper\'s 25 Mb = 24,400 × 1,024 bits); label bits are reported separately',
  ];
}

export async function runFbnnStudy(cfg: ExperimentConfig, o: StudyOptions): Promise<StudyFile> {
  const log = o.log ?? (() => undefined);
  const settings = studySettings(cfg);
  const data = o.data ?? await loadExperimentData(cfg);
  const { train, test } = data;
  const scenario = buildClassIncremental(train.labels, test.labels, { numClasses: train.classNames.length, spec: cfg.data.scenario, order: cfg.data.classOrder as ClassOrder });
  const [base, ...deployment] = scenario.tasks;
  if (deployment.length === 0) throw new RangeError(`${cfg.name}: data.scenario '${cfg.data.scenario}' leaves no deployment task after pre-training`);
  const { h, w, c } = train.shape;
  const deploymentClasses = deployment.reduce((n, t) => n + t.classes.length, 0);
  const deploymentTrain = deployment.reduce((n, t) => n + t.train.length, 0);
  const imageBits = imageSampleBits(h, w, c, settings.pixelBits);
  const wholeSetMb = (deploymentTrain * imageBits) / BITS_PER_MB;
  const budgets = o.budgetsMb ?? budgetLadder(LADDER_MIN_MB, wholeSetMb, LADDER_PER_DECADE);
  const lambdas = o.lambdas.length ? o.lambdas : [settings.lossBalance];
  const sampleBits = o.kind === 'latent' ? latentSampleBits((cfg.model as { latentBits: number }).latentBits) : imageBits;
  const lb = labelBits(train.classNames.length);
  const file: StudyFile = {
    format: 'bitspike-fbnn-er-results', version: 2, name: cfg.name, dataset: cfg.data.dataset, command: o.command ?? '', seed: cfg.seed, config: cfg, kind: o.kind,
    defaults: studyDefaults(cfg, o.kind), pretraining: null,
    data: {
      baseClasses: base.classes, deploymentTasks: deployment.map((t) => t.classes), baseTrain: base.train.length,
      deploymentTrain, deploymentTest: deployment.reduce((n, t) => n + t.test.length, 0), wholeSetMb,
    },
    runs: [],
  };
  // Feasible runs are numbered up front so the progress display can count the runs still to come.
  const runs = budgets.filter((b) => planBuffer(mbToBits(b), sampleBits, deploymentClasses).capacity > 0).length * lambdas.length;
  let run = 0;
  log(`${cfg.name}: ${o.kind} replay, budgets [${budgets.join(', ')}] Mb, λ ∈ {${lambdas.map(String).join(', ')}}; whole deployment set ${wholeSetMb.toFixed(3)} Mb at ${settings.pixelBits}-bit pixels`);
  for (const budgetMb of budgets) {
    for (const lambda of lambdas) {
      const plan = planBuffer(mbToBits(budgetMb), sampleBits, deploymentClasses);
      const head = { kind: o.kind, budgetMb, lossBalance: lambda, pretraining: cfg.pretrain!.ssl, plan, labelBitsPerSample: lb };
      if (plan.capacity === 0) {
        file.runs.push({ ...head, feasible: false, storedAtEnd: 0, payloadBitsAtEnd: 0, labelBitsAtEnd: 0, modelBits: 0, tasks: [], summary: null, wallMs: 0 });
        log(`${o.kind} ${budgetMb} Mb: n/a (the budget holds ${Math.floor(plan.budgetBits / plan.sampleBits)} samples for ${plan.classes} classes)`);
      } else {
        const t0 = performance.now();
        o.reporter?.studyRun?.({ run: run++, runs, label: `${o.kind} ${budgetMb} Mb λ=${lambda}` });
        // The buffer gets the planned payload plus the labels, so the store's capacity is the plan's.
        const res = await runExperiment(runConfig(cfg, o.kind, lambda, plan.capacity * (sampleBits + lb)), {
          outDir: null, data, pretrainCache: o.cacheDir, log,
          reporter: {
            ...o.reporter,
            taskEnd: (r, timing) => {
              o.reporter?.taskEnd?.(r, timing);
              log(`  ${o.kind} ${budgetMb} Mb λ=${lambda} step ${r.task}: A=${(100 * r.accuracy).toFixed(1)}%` +
              `${r.oldAccuracy === null ? '' : ` old ${(100 * r.oldAccuracy).toFixed(1)}% new ${(100 * r.newAccuracy).toFixed(1)}%`} (${r.epochs} ep, ${r.stoppedBy})`);
            },
          },
        });
        file.pretraining ??= res.pretraining ?? null;
        const stored = res.memory.bufferBits / (sampleBits + lb);
        if (!Number.isInteger(stored) || stored > plan.capacity) throw new Error(`internal: the buffer holds ${res.memory.bufferBits} bits, not a whole number of ${sampleBits + lb}-bit samples within the planned ${plan.capacity}`);
        const r: ReplayRun = {
          ...head, feasible: true, storedAtEnd: stored, payloadBitsAtEnd: stored * sampleBits, labelBitsAtEnd: stored * lb,
          modelBits: res.memory.modelBits, tasks: res.tasks, summary: res.summary, wallMs: Math.round(performance.now() - t0),
        };
        file.runs.push(r);
        log(`${o.kind} ${budgetMb} Mb λ=${lambda}: capacity ${plan.capacity} (${plan.perClass}/class), Ā=${(100 * r.summary!.averageIncrementalAccuracy).toFixed(1)}% A_T=${(100 * r.summary!.finalAccuracy).toFixed(1)}% (${(r.wallMs / 1000).toFixed(0)} s)`);
      }
      if (o.out) writeFileAtomic(o.out, JSON.stringify(file, null, 1));
    }
  }
  return file;
}

export function readStudyFile(file: string): StudyFile {
  let s: StudyFile;
  try { s = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyFile; } catch (e) { throw new Error(`${file}: cannot read FBNN-ER results (${(e as Error).message})`); }
  if (s?.format !== 'bitspike-fbnn-er-results' || !Array.isArray(s.runs)) throw new Error(`${file}: not a bitspike FBNN-ER results file`);
  if (s.version !== 2) throw new Error(`${file}: FBNN-ER results version ${String(s.version)}; this bitspike reads version 2 (rerun the study with 'bitspike fbnn-er run')`);
  return s;
}
