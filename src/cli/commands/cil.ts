// `bitspike cil`: run a class-incremental experiment from a JSON config, with CLI overrides.
import { parseArgs, SET_FLAG, setOverrides, usage, UsageError, type FlagSpecs } from '../args.js';
import { applyOverride, CONFIG_FIELDS, overrideStrategy, parseConfig, readConfigFile } from '../../cil/config.js';
import { consoleReporter } from '../../cil/progress.js';
import { commandProgress } from '../progressBar.js';
import { runExperiment } from '../../cil/runner.js';
import { describeFields } from '../../cil/schema.js';
import { STRATEGIES } from '../../cil/strategies/index.js';
import { resultsTable, summaryLine } from '../../cil/table.js';
import { THREADS_FLAG, useKernelThreads } from '../threads.js';

export const summary = 'class-incremental experiment from a JSON config (results as JSON lines, snapshots, --resume)';

const FLAGS: FlagSpecs = {
  config: { kind: 'string', help: 'experiment config (JSON); without it the defaults below' },
  set: SET_FLAG,
  threads: THREADS_FLAG,
  method: { kind: 'string', help: 'strategy name (replaces config.strategy unless the name is the same)' },
  seed: { kind: 'number', help: 'seed (config.seed)' },
  epochs: { kind: 'number', help: 'epochs per task (config.training.epochs)' },
  out: { kind: 'string', help: 'run folder: events.jsonl, results.json, timings.json, snapshot.json' },
  resume: { kind: 'boolean', help: 'continue the interrupted run in --out from its last snapshot' },
  'keep-snapshots': { kind: 'boolean', help: 'also keep every task snapshot under <out>/snapshots/' },
  json: { kind: 'boolean', help: 'print the results as JSON lines (one per task, then the summary) instead of a table; progress as JSON lines on stderr' },
  quiet: { kind: 'boolean', help: 'no progress output (results only)' },
  list: { kind: 'boolean', help: 'list strategies and config keys' },
  help: { kind: 'boolean', help: 'show this help' },
};

function listing(): string {
  const lines = ['strategies (config.strategy.name, options next to it):'];
  for (const [name, e] of Object.entries(STRATEGIES)) {
    lines.push(`  ${name.padEnd(14)} ${e.description}`);
    lines.push(...describeFields(e.options, `    strategy.`));
  }
  lines.push('', 'config keys:', ...describeFields(CONFIG_FIELDS).filter((l) => !l.trimStart().startsWith('strategy ')));
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('cil', argv, FLAGS);
  const sets = setOverrides('cil', flags);
  if (flags.help) { console.log(`${usage('cil', summary, FLAGS)}\n\n${listing()}`); return 0; }
  if (flags.list) { console.log(listing()); return 0; }
  if (positional.length) throw new UsageError('cil', `unexpected argument '${positional[0]}' (use --config FILE)`);
  if (flags.resume && !flags.out) throw new UsageError('cil', '--resume needs --out <run folder>');
  const raw = (flags.config ? readConfigFile(flags.config as string) : {}) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('cil', `${flags.config} must hold a JSON object`);
  if (flags.method !== undefined) overrideStrategy(raw, flags.method as string);
  if (flags.seed !== undefined) raw.seed = flags.seed;
  if (flags.epochs !== undefined) applyOverride(raw, `training.epochs=${flags.epochs}`);
  for (const s of sets) applyOverride(raw, s);
  const cfg = parseConfig(raw, (flags.config as string | undefined) ?? 'config');
  await useKernelThreads('cil', flags);
  const bar = commandProgress('cil', flags);
  const results = await runExperiment(cfg, {
    outDir: (flags.out as string | undefined) ?? null, resume: !!flags.resume, keepSnapshots: !!flags['keep-snapshots'],
    reporter: consoleReporter(bar), log: (s) => bar.log(s),
  });
  bar.finish();
  if (flags.json) {
    for (const t of results.tasks) console.log(JSON.stringify({ type: 'task', ...t }));
    console.log(JSON.stringify({ type: 'summary', method: results.method, ...results.summary, memory: results.memory }));
  } else {
    console.log(resultsTable(results));
    console.log(summaryLine(results));
  }
  return 0;
}
