// One FBNN-ER study invocation: load the data, pre-train once (cached), then run the deployment
// protocol for one replay kind over a list of budgets × loss-balancing λ values, writing the results
// file atomically after every run (a long job keeps its finished runs if stopped).
import fs from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { defaultsInEffect, type FbnnErConfig } from './config.js';
import { loadFbnnErData } from './data.js';
import { BITS_PER_MB, budgetLadder } from './ladder.js';
import { deployedBits } from './model.js';
import { pretrainCached, type PretrainResult } from './pretrain.js';
import { ReplayContext, runReplay, type ReplayKind, type ReplayRunResult } from './protocol.js';

export interface StudyFile {
  format: 'bitspike-fbnn-er-results';
  version: 1;
  name: string;
  dataset: string;
  command: string;
  seed: number;
  config: FbnnErConfig;
  kind: ReplayKind;
  defaults: string[];
  pretraining: Omit<PretrainResult, 'weights'> & { extractorBits: number; binaryWeights: number };
  data: { baseClasses: number[]; deploymentTasks: number[][]; baseTrain: number; deploymentTrain: number; deploymentTest: number; wholeSetMb: number };
  runs: ReplayRunResult[];
}

export interface StudyOptions {
  kind: ReplayKind;
  /** Budgets in Mb; null: the ladder from config.ladder.minMb to the whole deployment training set. */
  budgetsMb: number[] | null;
  /** λ values (null = one CE over the joined batch); empty: the config's λ only. */
  lambdas: (number | null)[];
  cacheDir: string | null;
  out: string | null;
  command?: string;
  log?: (s: string) => void;
}

export async function runFbnnStudy(cfg: FbnnErConfig, o: StudyOptions): Promise<StudyFile> {
  const log = o.log ?? (() => undefined);
  const data = await loadFbnnErData(cfg);
  const { fe, result } = pretrainCached(cfg, data, o.cacheDir, log);
  const ctx = new ReplayContext(cfg, data, result);
  const wholeSetMb = ctx.wholeSetBits() / BITS_PER_MB;
  const budgets = o.budgetsMb ?? budgetLadder(cfg.ladder.minMb, wholeSetMb, cfg.ladder.perDecade);
  const lambdas = o.lambdas.length ? o.lambdas : [cfg.replay.lossBalance];
  const { weights: _w, ...pre } = result;
  const fb = deployedBits(fe);
  const file: StudyFile = {
    format: 'bitspike-fbnn-er-results', version: 1, name: cfg.name, dataset: cfg.data.dataset, command: o.command ?? '', seed: cfg.seed, config: cfg, kind: o.kind,
    defaults: defaultsInEffect(cfg),
    pretraining: { ...pre, extractorBits: fb.bits, binaryWeights: fb.binaryWeights },
    data: {
      baseClasses: data.base.classes, deploymentTasks: data.tasks.map((t) => t.classes), baseTrain: data.base.train.n,
      deploymentTrain: data.tasks.reduce((s, t) => s + t.train.n, 0), deploymentTest: data.tasks.reduce((s, t) => s + t.test.n, 0), wholeSetMb,
    },
    runs: [],
  };
  log(`${cfg.name}: ${o.kind} replay, budgets [${budgets.join(', ')}] Mb, λ ∈ {${lambdas.join(', ')}}; whole deployment set ${wholeSetMb.toFixed(3)} Mb at ${cfg.replay.pixelBits}-bit pixels`);
  for (const budgetMb of budgets) {
    for (const lambda of lambdas) {
      const r = runReplay(ctx, { kind: o.kind, budgetMb, lossBalance: lambda, log });
      file.runs.push(r);
      log(r.feasible
        ? `${o.kind} ${budgetMb} Mb λ=${lambda}: capacity ${r.plan.capacity} (${r.plan.perClass}/class), Ā=${(100 * r.summary!.averageIncrementalAccuracy).toFixed(1)}% A_T=${(100 * r.summary!.finalAccuracy).toFixed(1)}% (${(r.wallMs / 1000).toFixed(0)} s)`
        : `${o.kind} ${budgetMb} Mb: n/a (the budget holds ${Math.floor(r.plan.budgetBits / r.plan.sampleBits)} samples for ${r.plan.classes} classes)`);
      if (o.out) writeFileAtomic(o.out, JSON.stringify(file, null, 1));
    }
  }
  return file;
}

export function readStudyFile(file: string): StudyFile {
  let s: StudyFile;
  try { s = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyFile; } catch (e) { throw new Error(`${file}: cannot read FBNN-ER results (${(e as Error).message})`); }
  if (s?.format !== 'bitspike-fbnn-er-results' || s.version !== 1 || !Array.isArray(s.runs)) throw new Error(`${file}: not a bitspike FBNN-ER results file`);
  return s;
}
