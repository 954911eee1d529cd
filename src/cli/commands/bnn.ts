// `bitspike bnn train|eval|summary|export`: train a fully binarized network (FBNN) on an image
// dataset, deploy it to the packed integer format, check the packed engine against the float
// simulation, print the bit-level summary, and export C99 for microcontrollers.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { loadDataset } from '../../data/registry.js';
import type { ImageDataset } from '../../data/dataset.js';
import { THREADS_FLAG, useKernelThreads } from '../threads.js';
import { Rng } from '../../engine/random.js';
import { BinaryNet } from '../../bnn/binaryNet.js';
import { FBNN_PRESETS } from '../../bnn/fbnnLayout.js';
import { deploy } from '../../bnn/deploy.js';
import { PackedNet } from '../../bnn/packedInference.js';
import { formatSummary, summarizeDeployed, summarizeNet } from '../../bnn/summary.js';
import { exportC } from '../../bnn/exportC.js';
import { loadCheckpoint, loadModel, saveCheckpoint, saveModel } from '../../bnn/io-node.js';
import { BnnTrainer, evaluate, predictSimulation, type LabelledImages } from '../../bnn/train.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { exportBinaryLearnerC } from '../../cil/exportBinaryLearner.js';
import type { Learner } from '../../cil/learner.js';
import { loadLearnerFile } from '../../cil/learnerFile.js';
import { commandProgress } from '../progressBar.js';

export const summary = 'binary networks: train <dataset> (FBNN), eval, summary, export (C99)';

const DATA: FlagSpecs = {
  'data-dir': { kind: 'string', help: 'data directory (default: $BITSPIKE_DATA)' },
  'test-limit': { kind: 'number', help: 'use only the first N test images (0 = all)', default: 0 },
  threads: THREADS_FLAG,
  help: { kind: 'boolean', help: 'show this help' },
};
const TRAIN: FlagSpecs = {
  ...DATA,
  preset: { kind: 'string', help: `architecture (${Object.keys(FBNN_PRESETS).join(', ')})`, default: 'fashion-small' },
  levels: { kind: 'number', help: 'thermometer levels per image channel', default: 8 },
  epochs: { kind: 'number', help: 'maximum epochs', default: 300 },
  batch: { kind: 'number', help: 'minibatch size', default: 64 },
  lr: { kind: 'number', help: 'initial Adam learning rate (paper: 1e-4)', default: 1e-4 },
  'min-lr': { kind: 'number', help: 'stop when the lr drops below this', default: 1e-6 },
  factor: { kind: 'number', help: 'lr reduction factor on plateau', default: 0.5 },
  patience: { kind: 'number', help: 'plateau patience in epochs (training loss)', default: 10 },
  schedule: { kind: 'string', help: "lr schedule: 'plateau' (the paper's) or 'cosine' (anneals to 0 over --epochs)", default: 'plateau' },
  'time-budget': { kind: 'number', help: 'stop after this many seconds (0 = none)', default: 0 },
  'train-limit': { kind: 'number', help: 'use only the first N training images (0 = all)', default: 0 },
  seed: { kind: 'number', help: 'seed of initialisation and batch order', default: 1 },
  out: { kind: 'string', help: 'write the deployed model here (.bsbnn)' },
  checkpoint: { kind: 'string', help: 'write a training checkpoint here after every epoch (JSON)' },
  resume: { kind: 'string', help: 'resume from this checkpoint' },
  quiet: { kind: 'boolean', help: 'no progress output (epoch lines, bar); the summaries and results still print' },
  json: { kind: 'boolean', help: 'progress as JSON lines on stderr (results stay on stdout)' },
};
const EVAL: FlagSpecs = { ...DATA, model: { kind: 'string', help: 'deployed model file' }, batch: { kind: 'number', help: 'images per packed batch', default: 64 } };
const SUMMARY: FlagSpecs = { model: { kind: 'string', help: 'deployed model file' }, help: { kind: 'boolean', help: 'show this help' } };
const EXPORT: FlagSpecs = {
  model: { kind: 'string', help: 'deployed model file' },
  learner: { kind: 'string', help: 'or: a binary-mlp learner file (.bslearner, from the web app or the library); its class ids go into <NAME>_CLASS_IDS' },
  'out-dir': { kind: 'string', help: 'directory for <name>.h and <name>.c' },
  name: { kind: 'string', help: 'C identifier prefix', default: 'bnn' },
  help: { kind: 'boolean', help: 'show this help' },
};

function help(): string {
  return [
    'usage: bitspike bnn <train|eval|summary|export> ...', '', summary, '',
    usage('bnn train <dataset>', 'train an FBNN and (with --out) save the deployed packed model', TRAIN),
    '', usage('bnn eval <dataset> --model F', 'packed-engine test accuracy', EVAL),
    '', usage('bnn summary --model F', 'parameters per bit width and memory in bits', SUMMARY),
    '', usage('bnn export --model F|--learner L --out-dir D', 'C header + C99 inference routine', EXPORT),
  ].join('\n');
}

function toLabelled(ds: ImageDataset, limit: number): LabelledImages {
  const n = limit > 0 ? Math.min(limit, ds.shape.n) : ds.shape.n;
  const size = ds.shape.h * ds.shape.w * ds.shape.c;
  return { images: ds.images.subarray(0, n * size), labels: ds.labels.subarray(0, n), n };
}

function need(flags: Record<string, unknown>, name: string, cmd: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`bnn ${cmd}`, `--${name} is required`);
  return v;
}

function posInt(cmd: string, name: string, v: unknown, allowZero = false): number {
  if (!Number.isInteger(v) || (v as number) < (allowZero ? 0 : 1)) throw new UsageError(`bnn ${cmd}`, `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`);
  return v as number;
}

async function train(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('bnn train', argv, TRAIN);
  if (flags.help) { console.log(help()); return 0; }
  if (positional.length !== 1) throw new UsageError('bnn train', 'expected one dataset name, e.g. bitspike bnn train fashion-mnist');
  const dataset = positional[0];
  const preset = FBNN_PRESETS[flags.preset as string];
  if (!preset) throw new UsageError('bnn train', `--preset must be one of ${Object.keys(FBNN_PRESETS).join(', ')}, got '${flags.preset}'`);
  await useKernelThreads('bnn train', flags);
  const dataDir = flags['data-dir'] as string | undefined;
  const trainDs = await loadDataset(dataset, 'train', { dataDir });
  const testDs = await loadDataset(dataset, 'test', { dataDir });
  const tr = toLabelled(trainDs, posInt('train', 'train-limit', flags['train-limit'], true));
  const te = toLabelled(testDs, posInt('train', 'test-limit', flags['test-limit'], true));
  const seed = posInt('train', 'seed', flags.seed, true);
  const factor = flags.factor as number, minLr = flags['min-lr'] as number;
  if (!(factor > 0 && factor < 1)) throw new UsageError('bnn train', `--factor must be in (0, 1), got ${factor}`);
  if (!(minLr > 0)) throw new UsageError('bnn train', `--min-lr must be > 0, got ${minLr}`);
  if (!((flags.lr as number) > 0)) throw new UsageError('bnn train', `--lr must be > 0, got ${flags.lr}`);
  posInt('train', 'patience', flags.patience, true);
  const schedule = flags.schedule as string;
  if (schedule !== 'plateau' && schedule !== 'cosine') throw new UsageError('bnn train', `--schedule must be plateau or cosine, got '${schedule}'`);
  if (flags.resume) {
    // The checkpoint fixes the architecture and seed; flags that would change them are refused.
    const clash = ['preset', 'levels', 'seed'].filter((k) => argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`)));
    if (clash.length) throw new UsageError('bnn train', `--resume takes the architecture and seed from the checkpoint; drop ${clash.map((k) => `--${k}`).join(', ')}`);
  }
  const input = { height: trainDs.shape.h, width: trainDs.shape.w, channels: trainDs.shape.c, levels: posInt('train', 'levels', flags.levels) };
  const resume = flags.resume ? loadCheckpoint(flags.resume as string) : undefined;
  const spec = resume?.spec ?? preset(input, trainDs.classNames.length);
  const net = new BinaryNet(spec, new Rng(resume?.seed ?? seed));
  const trainer = new BnnTrainer(net, resume?.seed ?? seed, {
    lr: flags.lr as number, factor: flags.factor as number, patience: flags.patience as number, schedule, cosineEpochs: flags.epochs as number,
  });
  if (resume) { trainer.resume(resume); console.log(`resumed from ${flags.resume} at epoch ${trainer.epoch}`); }
  console.log(formatSummary(summarizeNet(net)));
  console.log(`dataset ${dataset}: ${tr.n} train, ${te.n} test images; ${resume ? 'architecture from the checkpoint' : `preset ${flags.preset}`}; seed ${trainer.seed}`);
  const ckpt = flags.checkpoint as string | undefined;
  const budget = flags['time-budget'] as number;
  const maxEpochs = posInt('train', 'epochs', flags.epochs), batchSize = posInt('train', 'batch', flags.batch);
  // Progress on stderr: the bar counts images up to --epochs (a plateau stop may end sooner), and the
  // time left is capped by --time-budget.
  const bar = commandProgress('bnn train', flags);
  bar.setTotal(Math.max(0, maxEpochs - trainer.epoch) * tr.n);
  if (budget > 0) bar.setDeadline(budget);
  const res = trainer.fit(tr, {
    maxEpochs, batchSize, minLr: flags['min-lr'] as number,
    timeBudgetSec: budget > 0 ? budget : undefined, test: te, log: (l) => bar.log(l, {}, true),
    onBatch: (b) => bar.advance(b.images, `epoch ${b.epoch}/${maxEpochs}`, { epoch: b.epoch, epochs: maxEpochs, loss: b.loss }, ` loss ${b.loss.toFixed(4)}`),
    onCheckpoint: ckpt ? (c) => saveCheckpoint(ckpt, c) : undefined,
  });
  bar.finish({ epochs: trainer.epoch, stoppedBy: res.stoppedBy });
  // The network as it is now: after a time-budget cut it has trained past the last epoch record.
  const floatAcc = evaluate(net, te);
  const model = deploy(net);
  const packed = new PackedNet(model).predict(te.images, te.n);
  let agree = 0, correct = 0;
  const sim = predictSimulation(net, te);
  for (let i = 0; i < te.n; i++) { if (packed.predictions[i] === sim[i]) agree++; if (packed.predictions[i] === te.labels[i]) correct++; }
  console.log(formatSummary(summarizeDeployed(model)));
  console.log(`stopped by ${res.stoppedBy} after ${trainer.epoch} epochs`);
  console.log(`test accuracy: float simulation ${(100 * floatAcc).toFixed(2)}%, packed ${(100 * correct / te.n).toFixed(2)}%; packed == float predictions on ${agree}/${te.n}`);
  if (flags.out) console.log(`wrote ${flags.out} (${saveModel(flags.out as string, model)} bytes)`);
  return agree === te.n ? 0 : 1;
}

async function evalCmd(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('bnn eval', argv, EVAL);
  if (flags.help) { console.log(help()); return 0; }
  if (positional.length !== 1) throw new UsageError('bnn eval', 'expected one dataset name');
  await useKernelThreads('bnn eval', flags);
  const model = loadModel(need(flags, 'model', 'eval'));
  const te = toLabelled(await loadDataset(positional[0], 'test', { dataDir: flags['data-dir'] as string | undefined }), posInt('eval', 'test-limit', flags['test-limit'], true));
  const t0 = performance.now();
  const r = new PackedNet(model).predict(te.images, te.n, posInt('eval', 'batch', flags.batch));
  const s = (performance.now() - t0) / 1000;
  let correct = 0;
  for (let i = 0; i < te.n; i++) if (r.predictions[i] === te.labels[i]) correct++;
  console.log(`packed test accuracy ${(100 * correct / te.n).toFixed(2)}% on ${te.n} images (${(te.n / s).toFixed(0)} img/s)`);
  return 0;
}

async function summaryCmd(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('bnn summary', argv, SUMMARY);
  if (flags.help) { console.log(help()); return 0; }
  if (positional.length) throw new UsageError('bnn summary', `unexpected argument '${positional[0]}' (the model is given with --model)`);
  const file = need(flags, 'model', 'summary');
  console.log(formatSummary(summarizeDeployed(loadModel(file))));
  console.log(`file: ${fs.statSync(file).size} bytes`);
  return 0;
}

function readLearner(file: string): Learner {
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch (e) { throw new UsageError('bnn export', `--learner ${file}: cannot read (${(e as Error).message})`); }
  return loadLearnerFile(bytes, file).learner;
}

async function exportCmd(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('bnn export', argv, EXPORT);
  if (flags.help) { console.log(help()); return 0; }
  if (positional.length) throw new UsageError('bnn export', `unexpected argument '${positional[0]}' (use --model and --out-dir)`);
  if ((flags.model === undefined) === (flags.learner === undefined)) throw new UsageError('bnn export', 'give exactly one of --model (a deployed model) or --learner (a binary-mlp learner file)');
  const dir = need(flags, 'out-dir', 'export'), name = flags.name as string;
  const { header, source } = flags.learner !== undefined ? exportBinaryLearnerC(readLearner(need(flags, 'learner', 'export')), name) : exportC(loadModel(need(flags, 'model', 'export')), name);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, `${name}.h`), header);
  writeFileAtomic(path.join(dir, `${name}.c`), source);
  console.log(`wrote ${path.join(dir, `${name}.h`)} and ${path.join(dir, `${name}.c`)}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'train': return train(rest);
    case 'eval': return evalCmd(rest);
    case 'summary': return summaryCmd(rest);
    case 'export': return exportCmd(rest);
    case undefined: case '--help': case 'help': console.log(help()); return sub ? 0 : 2;
    default: throw new UsageError('bnn', `unknown subcommand '${sub}' (known: train, eval, summary, export)`);
  }
}
