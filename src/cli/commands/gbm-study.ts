// `bitspike gbm-study`: one GBM results-table run (a config, with the base-task model cached and
// reused across strategies and ablations), written as one results JSON that records the exact
// command. See docs/results/gbm.md for the commands behind each number.
import { parseArgs, SET_FLAG, setOverrides, usage, UsageError, type FlagSpecs } from '../args.js';
import { applyOverride, parseConfig, readConfigFile } from '../../cil/config.js';
import { consoleReporter } from '../../cil/progress.js';
import { runStudy } from '../../gbm/study.js';
import { runFrozenStudy, type FrozenStudyResult } from '../../cil/frozen/study.js';
import { frozenStudyTable } from '../../cil/frozen/table.js';
import fs from 'node:fs';
import { commandProgress } from '../progressBar.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { THREADS_FLAG, useKernelThreads } from '../threads.js';

export const summary = 'GBM study run: a config with a cached base-task model, results JSON incl. the exact command';

const FLAGS: FlagSpecs = {
  config: { kind: 'string', help: 'experiment config (the `bitspike cil` JSON format, e.g. configs/gbm-fashion-fbnn.json)' },
  set: SET_FLAG,
  'base-cache': { kind: 'string', help: 'folder of cached base-task models (shared by every strategy on the same base)' },
  'base-only': { kind: 'boolean', help: "frozen-encoder configs: train (or resume) the base network and cache its features, then stop" },
  table: { kind: 'boolean', help: 'print the markdown table of frozen-encoder results JSON files given as arguments (several: mean ± std, e.g. one per class order)' },
  resume: { kind: 'boolean', help: 'frozen-encoder configs: keep the methods already in --out for this config, run the rest (the base training always resumes from its last epoch)' },
  'incremental-passes': { kind: 'number', help: 'passes over each incremental task per epoch (classifier-only phase)', default: 1 },
  out: { kind: 'string', help: 'results JSON (written atomically)' },
  threads: THREADS_FLAG,
  quiet: { kind: 'boolean', help: 'no progress output (only the summary line)' },
  json: { kind: 'boolean', help: 'progress as JSON lines on stderr' },
  help: { kind: 'boolean', help: 'show this help' },
};

/** Quotes a --set value for the recorded command when a shell would otherwise split or expand it. */
const shellWord = (s: string): string => (/^[\w.,:/=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('gbm-study', argv, FLAGS);
  if (flags.help) { console.log(usage('gbm-study', summary, FLAGS)); return 0; }
  if (flags.table) return printTable(positional);
  if (positional.length) throw new UsageError('gbm-study', `unexpected argument '${positional[0]}'`);
  const sets = setOverrides('gbm-study', flags);
  const config = flags.config, out = flags.out;
  if (typeof config !== 'string') throw new UsageError('gbm-study', '--config FILE is required');
  if (typeof out !== 'string') throw new UsageError('gbm-study', '--out FILE is required');
  const passes = flags['incremental-passes'] as number;
  if (!Number.isInteger(passes) || passes < 1) throw new UsageError('gbm-study', `--incremental-passes expects an integer ≥ 1, got ${passes}`);
  const cache = (flags['base-cache'] as string | undefined) ?? null;
  const raw = readConfigFile(config) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('gbm-study', `${config} must hold a JSON object`);
  for (const s of sets) applyOverride(raw, s);
  const cfg = parseConfig(raw, config);
  await useKernelThreads('gbm-study', flags);
  const command = ['bitspike gbm-study', '--config', config, ...sets.flatMap((s) => ['--set', shellWord(s)]),
    ...(cache ? ['--base-cache', cache] : []), ...(passes > 1 ? ['--incremental-passes', String(passes)] : []), '--out', out].join(' ');
  if (cfg.frozen) return runFrozen(cfg, { cache, out, command, passes, flags });
  if (flags['base-only'] || flags.resume) throw new UsageError('gbm-study', `--base-only and --resume apply to frozen-encoder configs (a 'frozen' section); ${config} has none`);
  // Progress (heading, per-task lines, the bar) goes to stderr; stdout keeps the summary line.
  const bar = commandProgress('gbm-study', flags);
  const result = await runStudy(cfg, { baseCacheDir: cache, incrementalPasses: passes, command, log: (s) => bar.log(s), reporter: consoleReporter(bar, { taskLines: false, heading: false }) });
  bar.finish();
  writeFileAtomic(out, JSON.stringify(result, null, 1));
  const last = result.tasks[result.tasks.length - 1];
  process.stdout.write(`${cfg.name}: Ā=${(result.summary.averageIncrementalAccuracy * 100).toFixed(2)}% A_T=${(result.summary.finalAccuracy * 100).toFixed(2)}% memory ${JSON.stringify(last.memory)}\n`);
  return 0;
}

/** The frozen-encoder study (docs/methods-cil.md §6): base once, features once, every method on them. */
async function runFrozen(cfg: ReturnType<typeof parseConfig>, o: { cache: string | null; out: string; command: string; passes: number; flags: Record<string, unknown> }): Promise<number> {
  if (!o.cache) throw new UsageError('gbm-study', '--base-cache DIR is required for a frozen-encoder config (the base network, its epoch checkpoints and the feature cache live there)');
  if (o.passes !== 1) throw new UsageError('gbm-study', '--incremental-passes does not apply to a frozen-encoder config (set frozen.classifier.epochs)');
  let done: FrozenStudyResult['methods'] = [];
  if (o.flags.resume && fs.existsSync(o.out)) {
    let prev: FrozenStudyResult;
    try { prev = JSON.parse(fs.readFileSync(o.out, 'utf8')) as FrozenStudyResult; } catch (e) { throw new UsageError('gbm-study', `--resume: ${o.out} is not a results JSON (${(e as Error).message})`); }
    if (JSON.stringify(prev.config) !== JSON.stringify(cfg)) throw new UsageError('gbm-study', `--resume: ${o.out} was written for another config; choose another --out or drop --resume`);
    done = prev.methods ?? [];
  }
  const bar = commandProgress('gbm-study', o.flags);
  const result = await runFrozenStudy(cfg, {
    cacheDir: o.cache, command: o.command, log: (s) => bar.log(s), baseOnly: o.flags['base-only'] === true, done,
    progress: {
      onBatch: (i) => {
        if (i.batch === 0) bar.setTotal(i.samples * i.epochs);
        bar.advance(i.images, `base epoch ${i.epoch + 1}/${i.epochs} loss ${i.loss.toFixed(3)}`);
      },
    },
    onMethod: (partial) => writeFileAtomic(o.out, JSON.stringify(partial, null, 1)),
  });
  bar.finish();
  writeFileAtomic(o.out, JSON.stringify(result, null, 1));
  process.stdout.write(`${cfg.name}: base top-1 ${(result.base.baseTop1 * 100).toFixed(2)}%` +
    result.methods.map((m) => `; ${m.label} Ā=${(m.summary.averageIncrementalAccuracy * 100).toFixed(2)}% A_T=${(m.summary.finalAccuracy * 100).toFixed(2)}%`).join('') + '\n');
  return 0;
}

function printTable(files: string[]): number {
  if (files.length === 0) throw new UsageError('gbm-study', '--table needs one or more results JSON files (written by a frozen-encoder config)');
  const results = files.map((f) => {
    let r: FrozenStudyResult;
    try { r = JSON.parse(fs.readFileSync(f, 'utf8')) as FrozenStudyResult; } catch (e) { throw new UsageError('gbm-study', `--table: cannot read ${f} as JSON (${(e as Error).message})`); }
    if (!Array.isArray(r.methods) || !r.base) throw new UsageError('gbm-study', `--table: ${f} is not a frozen-encoder results file (no 'methods' and 'base')`);
    return r;
  });
  try { process.stdout.write(frozenStudyTable(results) + '\n'); } catch (e) { throw new UsageError('gbm-study', `--table: ${(e as Error).message}`); }
  return 0;
}
