// Training with the ANN-equivalent fast path: each minibatch computes the spiking network's counts
// and error counts with the engine kernels, turns Σ E ⊗ c into a gradient (rescaled by Θ_bp/S and
// averaged over the batch, so the learning rate means what it means for an ANN: η = λ·Θ_bp/S, §7),
// and lets an engine optimizer apply it. Weights are frozen within a minibatch, as in the event model.
import { Adam, AdamW } from '../engine/optim/adam.js';
import type { Optimizer, OptimizerState } from '../engine/optim/optimizer.js';
import { CosineLr, StepLr, type LrSchedule, type ScheduleState } from '../engine/optim/schedule.js';
import { SGD } from '../engine/optim/sgd.js';
import { Rng, type RngState } from '../engine/random.js';
import { Tensor } from '../engine/tensor.js';
import { augmentImage, type Augment } from './augment.js';
import { AccumulateUpdater, type AccumulateConfig, type AccumulateState } from './accumulateUpdate.js';
import { addCounters, emptyCounters, fastPathCounters, networkFans, type NetworkFans, type SpikeCounters } from './counters.js';
import { simulateBatch, type BatchResult, type SimOptions } from './eventSim.js';
import { fastBackward, fastForward, predict } from './fastPath.js';
import type { Synapses } from './layers.js';
import { meanCrossEntropy, type BackwardTarget } from './outputError.js';
import type { SpikeGradNetwork } from './network.js';
import { stepActivity, type StepActivity } from './monitor.js';
import { ReusedStepArrays } from './stepArrays.js';

export interface TrainConfig {
  readonly optimizer: 'adam' | 'sgd';
  /** ANN-equivalent learning rate λ (on the gradient normalised by S/Θ_bp). */
  readonly lr: number;
  readonly momentum: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly schedule: 'cosine' | 'step' | 'none';
  /** T_in used for the input-event count (the fast path itself does not depend on it). */
  readonly inputTicks: number;
  /**
   * How the count gradient changes the weights: 'optimizer' (default) hands it to the float optimizer
   * above; 'accumulate' uses integer weight registers and adders only (docs/methods-snn.md §16), with
   * `optimizer`, `lr` and `momentum` unused.
   */
  readonly update?: 'optimizer' | 'accumulate';
  readonly accumulate?: Partial<AccumulateConfig>;
  /** Random translations of the training images (src/snn/augment.ts); default none. */
  readonly augment?: Augment;
  /**
   * Linear learning-rate warm-up over the first W optimizer steps (step k uses k/W of the scheduled
   * rate); default 0. A network without normalisation starts with large logits, and Adam's first
   * full-size steps then silence its upper layers within about 20 steps (docs/results/spikegrad.md).
   */
  readonly warmupSteps?: number;
  /**
   * Weight decay of the float optimizer; default 0. Adam becomes AdamW (decoupled: W ← W·(1 − lr·wd)
   * every step, beside the Adam step); SGD adds wd·W to the gradient. A brake on weights that grow
   * without bound where the count gradient is sparse (docs/results/spikegrad.md, CIFAR-10).
   */
  readonly weightDecay?: number;
}

export const DEFAULT_TRAIN: TrainConfig = Object.freeze({ optimizer: 'adam', lr: 1e-3, momentum: 0.9, batchSize: 64, epochs: 10, schedule: 'cosine', inputTicks: 8 });

/** Labelled images as float NCHW rows in [0, 1]. */
export interface Batchable { readonly x: Float32Array; readonly labels: Int32Array; readonly n: number }

/** Applies W ← W − η·raw (plain SGD on the count gradient, float32, exactly as an event-driven chip would). */
export function applyRawUpdate(net: SpikeGradNetwork, raw: readonly Float32Array[], eta: number): void {
  net.weights.forEach((w, i) => {
    const d = w.f32, r = raw[i];
    for (let j = 0; j < d.length; j++) d[j] = d[j] - eta * r[j];
  });
}

/**
 * One optimizer step from the raw count gradient Σ E ⊗ c of a minibatch of n: rescaled by Θ_bp/(S·n)
 * so the learning rate means what it means for the equivalent ANN (docs/methods-snn.md §7).
 */
export function optimizeFromCounts(net: SpikeGradNetwork, optimizer: Optimizer, raw: readonly Float32Array[], n: number): void {
  const scale = net.config.thetaBp / (net.config.errorScale * n);
  net.weights.forEach((w, i) => {
    const g = new Float32Array(w.size), r = raw[i];
    for (let j = 0; j < g.length; j++) g[j] = r[j] * scale;
    w.grad = new Tensor(g, w.shape);
  });
  optimizer.step();
  optimizer.zeroGrad();
}

/**
 * One minibatch trained event-driven (docs/methods-snn.md §8.2): every example simulated spike by spike
 * with weights frozen, from any targets (labels or error functions), and the Σ z·c the error spikes
 * accumulated handed to the optimizer exactly as optimizeFromCounts takes the fast path's.
 */
export function eventDrivenStep(net: SpikeGradNetwork, synapses: readonly Synapses[], optimizer: Optimizer, x: Float32Array,
  targets: readonly BackwardTarget[], n: number, opts: SimOptions = {}): BatchResult {
  const sim = simulateBatch(net, synapses, x, targets, n, opts);
  optimizeFromCounts(net, optimizer, sim.rawGradients, n);
  return sim;
}

export interface StepResult {
  loss: number; correct: number; n: number;
  /** The step's activity (logits, counts, output error sum) when the trainer's `monitor` is on. */
  activity?: StepActivity;
}

export interface TrainerState {
  readonly epoch: number;
  readonly rng: RngState;
  /** Float optimizer state, or null with the accumulate-only update. */
  readonly optimizer: OptimizerState | null;
  readonly schedule: ScheduleState | null;
  readonly accumulate?: AccumulateState;
}

/** The factor the schedule applies to the base learning rate after `epoch` epochs (as CosineLr / StepLr compute it). */
export function scheduleFactor(schedule: TrainConfig['schedule'], epoch: number, epochs: number): number {
  if (schedule === 'cosine') return (1 + Math.cos((Math.PI * Math.min(epoch, epochs)) / epochs)) / 2;
  if (schedule === 'step') return 0.1 ** Math.floor(epoch / stepSize(epochs));
  return 1;
}

const stepSize = (epochs: number): number => Math.max(1, Math.round(epochs / 3));

export class SpikeGradTrainer {
  /** The float optimizer (update 'optimizer'), or null. */
  readonly optimizer: Optimizer | null;
  /** The integer accumulate-only updater (update 'accumulate'), or null. */
  readonly accumulator: AccumulateUpdater | null;
  readonly schedule: LrSchedule | null;
  readonly fans: NetworkFans;
  epoch = 0;
  rng: Rng;
  /** Report each step's activity in its StepResult (src/snn/monitor.ts), from the step's counters. */
  monitor = false;
  /** The fast path's arrays, reused by every step (a step's counts and errors are dead once it returns). */
  private readonly arrays = new ReusedStepArrays();

  constructor(readonly net: SpikeGradNetwork, readonly config: TrainConfig, seed: number) {
    if (!(config.lr > 0)) throw new RangeError(`SpikeGradTrainer: lr must be positive, got ${config.lr}`);
    if (!Number.isInteger(config.batchSize) || config.batchSize < 1) throw new RangeError(`SpikeGradTrainer: batchSize must be a positive integer, got ${config.batchSize}`);
    if (!Number.isInteger(config.epochs) || config.epochs < 1) throw new RangeError(`SpikeGradTrainer: epochs must be a positive integer, got ${config.epochs}`);
    const update = config.update ?? 'optimizer';
    if (update !== 'optimizer' && update !== 'accumulate') throw new RangeError(`SpikeGradTrainer: update must be 'optimizer' or 'accumulate', got ${String(update)}`);
    const warmup = config.warmupSteps ?? 0;
    if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`SpikeGradTrainer: warmupSteps must be an integer ≥ 0, got ${warmup}`);
    if (warmup > 0 && update === 'accumulate') throw new RangeError('SpikeGradTrainer: warmupSteps applies to the float optimizer only, not to the accumulate update');
    const wd = config.weightDecay ?? 0;
    if (!(wd >= 0) || !Number.isFinite(wd)) throw new RangeError(`SpikeGradTrainer: weightDecay must be a number ≥ 0, got ${wd}`);
    if (wd > 0 && update === 'accumulate') throw new RangeError('SpikeGradTrainer: weightDecay applies to the float optimizer only, not to the accumulate update');
    if (update === 'accumulate') {
      this.optimizer = null;
      this.schedule = null;
      this.accumulator = new AccumulateUpdater(net, config.accumulate);
    } else {
      this.accumulator = null;
      const optimizer = config.optimizer === 'sgd'
        ? new SGD(net.weights, { lr: config.lr, momentum: config.momentum, weightDecay: wd })
        : wd > 0 ? new AdamW(net.weights, { lr: config.lr, weightDecay: wd }) : new Adam(net.weights, { lr: config.lr });
      this.optimizer = optimizer;
      this.schedule = config.schedule === 'cosine' ? new CosineLr(optimizer, config.epochs)
        : config.schedule === 'step' ? new StepLr(optimizer, stepSize(config.epochs), 0.1) : null;
    }
    this.fans = networkFans(net);
    this.rng = new Rng(seed);
  }

  /** One minibatch: fast forward, spike-quantised backward, optimizer step. Adds activity to `counters`. */
  step(x: Float32Array, labels: Int32Array, n: number, counters?: SpikeCounters): StepResult {
    const net = this.net;
    const fwd = fastForward(net, x, n, this.arrays);
    const bwd = fastBackward(net, fwd, labels, this.arrays);
    const stepCounters = counters || this.monitor ? fastPathCounters(net, this.fans, fwd, bwd, this.config.inputTicks) : null;
    if (counters && stepCounters) addCounters(counters, stepCounters);
    if (this.accumulator) {
      this.accumulator.accumulate(fwd, bwd);
      this.accumulator.apply();
    } else {
      const opt = this.optimizer as Optimizer, W = this.config.warmupSteps ?? 0;
      // Warm-up scales the scheduled rate for this one step and puts it back, so the schedule (and
      // a checkpoint's saved rate) never sees it; the step count that drives it is in the optimizer state.
      const scheduled = opt.lr;
      if (opt.stepCount < W) opt.lr = scheduled * (opt.stepCount + 1) / W;
      optimizeFromCounts(net, opt, bwd.rawGradients, n);
      opt.lr = scheduled;
    }
    const pred = predict(fwd.logits, n);
    let correct = 0;
    for (let b = 0; b < n; b++) if (pred[b] === labels[b]) correct++;
    const loss = meanCrossEntropy(fwd.logits, labels, n, this.net.config.temperature);
    return { loss, correct, n, ...(this.monitor && stepCounters ? { activity: stepActivity(net, fwd, bwd.errors[bwd.errors.length - 1] as Float32Array, stepCounters) } : {}) };
  }

  /** One epoch over `data` in a seeded random order; calls `progress` after every batch. */
  trainEpoch(data: Batchable, progress?: (done: number, total: number, r: StepResult) => void): { loss: number; accuracy: number; counters: SpikeCounters; seconds: number } {
    const t0 = performance.now();
    this.accumulator?.setScheduleFactor(scheduleFactor(this.config.schedule, this.epoch, this.config.epochs));
    const perm = this.rng.permutation(data.n);
    const size = this.net.inputSize, bs = this.config.batchSize;
    const counters = emptyCounters(this.net);
    let loss = 0, correct = 0;
    const xb = new Float32Array(bs * size), yb = new Int32Array(bs);
    const augment = this.config.augment ?? 'none';
    for (let start = 0; start < data.n; start += bs) {
      const n = Math.min(bs, data.n - start);
      for (let b = 0; b < n; b++) {
        const i = perm[start + b];
        augmentImage(data.x.subarray(i * size, (i + 1) * size), xb.subarray(b * size, (b + 1) * size), this.net.inputShape, augment, this.rng);
        yb[b] = data.labels[i];
      }
      const r = this.step(xb.subarray(0, n * size), yb.subarray(0, n), n, counters);
      loss += r.loss * n; correct += r.correct;
      progress?.(start + n, data.n, r);
    }
    this.epoch++;
    this.schedule?.step();
    return { loss: loss / data.n, accuracy: correct / data.n, counters, seconds: (performance.now() - t0) / 1000 };
  }

  /**
   * The learning rate in force: the optimizer's, or for the accumulate update the ANN-equivalent rate of
   * its shift, 2^−(F+k)·S·batch/Θ_bp (0 when frozen).
   */
  get lr(): number {
    if (this.optimizer) return this.optimizer.lr;
    const a = this.accumulator as AccumulateUpdater;
    if (a.extraShift === null) return 0;
    return 2 ** -(a.config.fracBits + a.config.shift + a.extraShift) * this.net.config.errorScale * this.config.batchSize / this.net.config.thetaBp;
  }

  state(): TrainerState {
    return {
      epoch: this.epoch, rng: this.rng.state(), optimizer: this.optimizer?.state() ?? null, schedule: this.schedule?.state() ?? null,
      ...(this.accumulator ? { accumulate: this.accumulator.state() } : {}),
    };
  }

  loadState(s: TrainerState): void {
    if (!Number.isInteger(s?.epoch)) throw new TypeError('SpikeGradTrainer.loadState: missing epoch');
    this.epoch = s.epoch;
    this.rng = Rng.fromState(s.rng);
    if (this.accumulator) {
      if (!s.accumulate) throw new TypeError('SpikeGradTrainer.loadState: the state has no accumulate-update registers (it was written with a float optimizer)');
      this.accumulator.loadState(s.accumulate);
    } else {
      if (!s.optimizer) throw new TypeError('SpikeGradTrainer.loadState: the state has no optimizer state (it was written with the accumulate update)');
      this.optimizer?.loadState(s.optimizer);
    }
    if (this.schedule && s.schedule) this.schedule.loadState(s.schedule);
  }
}

/** Accuracy (and activity) of the fast path on a dataset, in batches. */
export function evaluate(net: SpikeGradNetwork, data: Batchable, batchSize = 256, fans?: NetworkFans, inputTicks = DEFAULT_TRAIN.inputTicks): { accuracy: number; loss: number; counters: SpikeCounters } {
  const size = net.inputSize;
  const counters = emptyCounters(net);
  const f = fans ?? networkFans(net);
  let correct = 0, loss = 0;
  const arrays = new ReusedStepArrays();
  try {
    for (let start = 0; start < data.n; start += batchSize) {
      const n = Math.min(batchSize, data.n - start);
      const fwd = fastForward(net, data.x.subarray(start * size, (start + n) * size), n, arrays);
      addCounters(counters, fastPathCounters(net, f, fwd, null, inputTicks));
      const labels = data.labels.subarray(start, start + n);
      const pred = predict(fwd.logits, n);
      for (let b = 0; b < n; b++) if (pred[b] === labels[b]) correct++;
      loss += meanCrossEntropy(fwd.logits, labels, n, net.config.temperature) * n;
    }
  } finally {
    arrays.release();
  }
  return { accuracy: correct / data.n, loss: loss / data.n, counters };
}
