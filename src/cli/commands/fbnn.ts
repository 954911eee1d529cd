// `bitspike fbnn-er run|report`: the FBNN-ER replay study (docs/methods-cil.md §3). `run` reads a CIL
// experiment config (configs/fbnn-*.json), pre-trains the encoder once per config (cached), then runs
// the CIL runner with latent or native replay over a budget ladder and loss-balancing λ values;
// `report` turns result files into markdown tables and SVG plots.
import { parseArgs, SET_FLAG, setOverrides, usage, UsageError, type FlagSpecs } from '../args.js';
import { writeReport } from '../../fbnn/report.js';
import { consoleReporter } from '../../cil/progress.js';
import { loadStudyConfig, runFbnnStudy } from '../../fbnn/study.js';
import { commandProgress } from '../progressBar.js';

export const summary = 'FBNN-ER replay study: run <latent|native> replay over a bit-budget ladder, report tables + SVG plots';

const RUN: FlagSpecs = {
  config: { kind: 'string', help: 'CIL experiment config of the study (configs/fbnn-*.json)' },
  kind: { kind: 'string', help: 'replay kind: latent or native' },
  budgets: { kind: 'string', help: "'ladder' (1-2-5 steps from 0.05 Mb up to the whole deployment set) or comma-separated Mb", default: 'ladder' },
  lambdas: { kind: 'string', help: "comma-separated λ values ('null' = one CE over the joined batch); default: the config's" , default: '' },
  cache: { kind: 'string', help: 'pre-trained encoder cache directory (reused by every run of the same data/model/pre-training/seed)', default: '.cache/fbnn' },
  out: { kind: 'string', help: 'results JSON (rewritten atomically after every run)' },
  set: SET_FLAG,
  quiet: { kind: 'boolean', help: 'no progress output' },
  json: { kind: 'boolean', help: 'progress as JSON lines on stderr' },
  help: { kind: 'boolean', help: 'show this help' },
};
const REPORT: FlagSpecs = {
  results: { kind: 'string', help: 'comma-separated results files of one dataset' },
  'img-dir': { kind: 'string', help: 'directory for the SVG plots' },
  prefix: { kind: 'string', help: 'file-name prefix of the plots (e.g. fbnn-fashion)' },
  help: { kind: 'boolean', help: 'show this help' },
};

function help(): string {
  return ['usage: bitspike fbnn-er <run|report> ...', '', summary, '',
    usage('fbnn-er run --config F --kind latent|native --out R.json [--set path=value]...', 'pre-train (cached) and run replay over budgets × λ', RUN),
    '', usage('fbnn-er report --results A.json,B.json --img-dir D --prefix P', 'markdown tables on stdout, SVG plots in D', REPORT)].join('\n');
}

function parseList(flag: string, v: string, allowNull: boolean): (number | null)[] {
  return v.split(',').map((t) => t.trim()).filter((t) => t !== '').map((t) => {
    if (allowNull && t === 'null') return null;
    const n = Number(t);
    if (!Number.isFinite(n)) throw new UsageError('fbnn-er run', `--${flag} expects comma-separated numbers${allowNull ? " or 'null'" : ''}, got '${t}'`);
    return n;
  });
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === 'help') { process.stdout.write(`${help()}\n`); return sub ? 0 : 2; }
  if (sub === 'run') {
    const { flags, positional } = parseArgs('fbnn-er run', rest, RUN);
    if (flags.help) { process.stdout.write(`${help()}\n`); return 0; }
    if (positional.length) throw new UsageError('fbnn-er run', `unexpected argument '${positional[0]}'`);
    const sets = setOverrides('fbnn-er run', flags);
    if (typeof flags.config !== 'string') throw new UsageError('fbnn-er run', '--config is required');
    if (typeof flags.out !== 'string') throw new UsageError('fbnn-er run', '--out is required');
    const kind = flags.kind;
    if (kind !== 'latent' && kind !== 'native') throw new UsageError('fbnn-er run', `--kind must be latent or native, got ${JSON.stringify(kind)}`);
    const budgets = flags.budgets === 'ladder' ? null : (parseList('budgets', String(flags.budgets), false) as number[]);
    if (budgets && budgets.some((b) => !(b > 0))) throw new UsageError('fbnn-er run', '--budgets must be positive Mb values');
    const lambdas = parseList('lambdas', String(flags.lambdas), true);
    if (lambdas.some((l) => l !== null && !(l >= 0 && l <= 1))) throw new UsageError('fbnn-er run', '--lambdas must lie in [0, 1] (or null)');
    const cfg = loadStudyConfig(flags.config, sets);
    const command = ['bitspike fbnn-er run', '--config', flags.config, ...sets.flatMap((s) => ['--set', s]), '--kind', kind,
      ...(budgets ? ['--budgets', budgets.join(',')] : []), ...(lambdas.length ? ['--lambdas', lambdas.map(String).join(',')] : []), '--out', flags.out].join(' ');
    // Progress and per-run lines go to stderr (the results are the --out file).
    const bar = commandProgress('fbnn-er run', flags);
    await runFbnnStudy(cfg, {
      kind, budgetsMb: budgets, lambdas, cacheDir: String(flags.cache), out: flags.out, command,
      log: (s) => bar.log(s), reporter: consoleReporter(bar, { taskLines: false, heading: false }),
    });
    bar.finish();
    return 0;
  }
  if (sub === 'report') {
    const { flags, positional } = parseArgs('fbnn-er report', rest, REPORT);
    if (flags.help) { process.stdout.write(`${help()}\n`); return 0; }
    if (positional.length) throw new UsageError('fbnn-er report', `unexpected argument '${positional[0]}'`);
    for (const k of ['results', 'img-dir', 'prefix'] as const) if (typeof flags[k] !== 'string') throw new UsageError('fbnn-er report', `--${k} is required`);
    process.stdout.write(writeReport(String(flags.results).split(',').filter(Boolean), String(flags['img-dir']), String(flags.prefix)));
    return 0;
  }
  throw new UsageError('fbnn-er', `unknown subcommand '${sub}' (run, report)`);
}
