// `bitspike data info|download|list`: inspect a dataset (per-split counts, shape, classes) or fetch
// the official files with verified checksums. Loader errors propagate, so a corrupt or incomplete
// dataset exits non-zero with the message naming the file.
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { DATASETS, datasetDir, datasetSpec, loadDatasetWithStatus } from '../../data/registry.js';
import { downloadDataset } from '../../data/download.js';
import { labelHistogram } from '../../data/dataset.js';
import { resolveDataDir } from '../../data/paths.js';
import { REMOTE } from '../../data/sources.js';

export const summary = 'datasets: info <name> (counts, shape, classes), download <name>, list';

const COMMON: FlagSpecs = {
  'data-dir': { kind: 'string', help: 'data directory (default: $BITSPIKE_DATA)' },
  help: { kind: 'boolean', help: 'show this help' },
};
const INFO: FlagSpecs = {
  ...COMMON,
  'cache-dir': { kind: 'string', help: 'decoded-dataset cache (default: $BITSPIKE_CACHE or ~/.cache/bitspike)' },
  'no-cache': { kind: 'boolean', help: 'decode from the source files, neither reading nor writing the cache' },
  split: { kind: 'string', help: 'only this split (default: all)' },
  size: { kind: 'number', help: 'resize to size×size at load (CORe50 default 32)' },
  level: { kind: 'string', help: "CORe50 labels: 'object' or 'category'", default: 'object' },
};
const DOWNLOAD: FlagSpecs = {
  ...COMMON,
  url: { kind: 'string', help: 'base URL replacing the official mirrors' },
};

function help(): string {
  return [
    'usage: bitspike data <info|download|list> [name] [flags]', '', summary, '',
    'info <name>      load every split (through the cache) and print counts, image shape and classes',
    'download <name>  fetch the official files into <data-dir>/<name>/, verify checksums, extract',
    'list             known datasets', '',
    'flags of info:', ...usage('data info <name>', '', INFO).split('\n').slice(4), '',
    'flags of download:', ...usage('data download <name>', '', DOWNLOAD).split('\n').slice(4),
  ].join('\n');
}

function one(positional: string[], sub: string): string {
  if (positional.length !== 1) throw new UsageError(`data ${sub}`, `expected one dataset name (known: ${Object.keys(DATASETS).join(', ')}), got ${positional.length}`);
  return positional[0];
}

function names(list: readonly string[], max = 20): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')}, … (${list.length - max} more)`;
}

async function info(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('data info', argv, INFO);
  if (flags.help) { console.log(help()); return 0; }
  const name = one(positional, 'info');
  const spec = datasetSpec(name);
  const level = flags.level as string;
  if (level !== 'object' && level !== 'category') throw new UsageError('data info', `--level must be object or category, got '${level}'`);
  const dataDir = flags['data-dir'] as string | undefined;
  console.log(`${name}: ${spec.description}`);
  console.log(`  folder: ${datasetDir(name, dataDir)}`);
  if (flags.size !== undefined && !(Number.isInteger(flags.size) && (flags.size as number) >= 1)) {
    throw new UsageError('data info', `--size must be a positive integer, got ${flags.size}`);
  }
  const splits = flags.split ? [flags.split as string] : spec.splits;
  let classes: readonly string[] = [];
  for (const split of splits) {
    const t0 = performance.now();
    const r = await loadDatasetWithStatus(name, split, {
      dataDir, cacheDir: flags['no-cache'] ? false : (flags['cache-dir'] as string | undefined),
      size: flags.size as number | undefined, level,
    });
    const { n, h, w, c } = r.dataset.shape;
    const hist = labelHistogram(r.dataset.labels, r.dataset.classNames.length);
    const min = Math.min(...hist), max = Math.max(...hist);
    console.log(`  ${split.padEnd(5)}: ${n} images, ${h}×${w}×${c} uint8 (NHWC), per class ${min === max ? min : `${min}–${max}`}` +
      `  [cache: ${r.status}${r.reason ? ` (${r.reason})` : ''}, ${((performance.now() - t0) / 1000).toFixed(2)} s]`);
    classes = r.dataset.classNames;
    if (r.dataset.coarseClassNames) console.log(`  coarse classes (${r.dataset.coarseClassNames.length}): ${names(r.dataset.coarseClassNames)}`);
  }
  console.log(`  classes (${classes.length}): ${names(classes)}`);
  return 0;
}

async function download(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('data download', argv, DOWNLOAD);
  if (flags.help) { console.log(help()); return 0; }
  const name = one(positional, 'download');
  if (!REMOTE[name]) throw new UsageError('data download', `no download source for '${name}' (downloadable: ${Object.keys(REMOTE).join(', ')})`);
  const dataDir = resolveDataDir(flags['data-dir'] as string | undefined);
  const res = await downloadDataset(name, dataDir, { baseUrl: flags.url as string | undefined, log: (l) => console.error(l) });
  for (const r of res) console.log(`${r.file}: ${r.status}${r.resumed ? ' (resumed)' : ''}${r.extracted !== undefined ? `, ${r.extracted} files extracted` : ''}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'info') return info(rest);
  if (sub === 'download') return download(rest);
  if (sub === 'list') {
    for (const s of Object.values(DATASETS)) console.log(`${s.name.padEnd(14)} ${REMOTE[s.name] ? '[downloadable] ' : ''}${s.description}`);
    return 0;
  }
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') { console.log(help()); return sub ? 0 : 2; }
  throw new UsageError('data', `unknown subcommand '${sub}' (known: info, download, list)`);
}
