// FBNN training recipe (docs/methods-cil.md §3.7): Adam on the latent weights (clipped to [−1, 1] after
// every step), learning rate reduced ×factor when the epoch's training loss plateaus, training ends
// when the lr falls below its floor (1e-4 → 1e-6 in the paper) or after maxEpochs / a time budget.
// A cosine schedule over a fixed epoch count is the alternative for runs sized to a CPU budget.
// Single phase, no BN warm-up. Checkpoints are plain JSON (weights, optimizer, schedule, RNG,
// history) handed to a callback, so this file stays browser-safe; io-node.ts writes them atomically.
import { crossEntropy } from '../engine/ops/index.js';
import { Adam } from '../engine/optim/adam.js';
import type { OptimizerState } from '../engine/optim/optimizer.js';
import { CosineLr, ReduceLrOnPlateau, type LrSchedule, type ScheduleState } from '../engine/optim/schedule.js';
import { Rng, type RngState } from '../engine/random.js';
import { base64ToF32, f32ToBase64 } from '../engine/serialize.js';
import { noGrad } from '../engine/tensor.js';
import { BinaryNet, type BinaryNetSpec } from './binaryNet.js';

export interface LabelledImages {
  /** NHWC uint8. */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

export interface TrainOptions {
  maxEpochs: number;
  batchSize?: number;
  /** Initial learning rate (paper: 1e-4). */
  lr?: number;
  /** Training stops once the lr drops below this floor (paper: 1e-6). */
  minLr?: number;
  /** Plateau reduction factor (default 0.5) and patience in epochs (default 10). */
  factor?: number;
  patience?: number;
  /** Wall-clock budget in seconds; training stops at the first batch past it (a resume finishes that epoch). */
  timeBudgetSec?: number;
  /** Checked before every batch; true stops like an exhausted time budget (cancellation, tests). */
  shouldStop?: () => boolean;
  /** Evaluated (accuracy) after every epoch when given. */
  test?: LabelledImages;
  log?: (line: string) => void;
  /** Called after every optimizer step (`images`: examples in the batch; `seen`: examples so far in this epoch). */
  onBatch?: (info: { epoch: number; images: number; seen: number; loss: number }) => void;
  onCheckpoint?: (c: TrainCheckpoint) => void;
}

/** Plateau reduction factor and patience when not given (the paper's patience). */
const PLATEAU_DEFAULTS = { factor: 0.5, patience: 10 };

/** 'plateau' (default, the paper's) or 'cosine' annealing to 0 over cosineEpochs. */
export interface ScheduleChoice { schedule?: 'plateau' | 'cosine'; cosineEpochs?: number }

export interface EpochRecord { epoch: number; lr: number; trainLoss: number; trainAcc: number; testAcc?: number; seconds: number; batches: number }

export interface TrainCheckpoint {
  format: 'bitspike-bnn-checkpoint';
  version: 1;
  spec: BinaryNetSpec;
  seed: number;
  epoch: number;
  weights: Record<string, string>;
  optimizer: OptimizerState;
  schedule: ScheduleState;
  rng: RngState;
  history: EpochRecord[];
  /** An epoch cut by the time budget: where it stopped, so a resume finishes exactly that epoch. */
  partial?: PartialEpoch;
}

/** The unfinished epoch: the RNG state that drew its permutation, the next batch, and running sums. */
export interface PartialEpoch { rng: RngState; offset: number; lossSum: number; correct: number; seen: number; batches: number; seconds: number }

export interface TrainResult { history: EpochRecord[]; stoppedBy: 'lr-floor' | 'max-epochs' | 'time-budget'; checkpoint: TrainCheckpoint }

/** Argmax predictions (first maximum) of the float simulation, in eval mode without gradients. */
export function predictSimulation(net: BinaryNet, data: LabelledImages, batch = 256): Int32Array {
  const wasTraining = net.training, out = new Int32Array(data.n), C = net.spec.classes;
  net.eval();
  noGrad(() => {
    for (let s = 0; s < data.n; s += batch) {
      const m = Math.min(batch, data.n - s);
      const y = net.scores(net.encode(data.images, data.n, Int32Array.from({ length: m }, (_, i) => s + i))).f32;
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let j = 1; j < C; j++) if (y[i * C + j] > y[i * C + best]) best = j;
        out[s + i] = best;
      }
    }
  });
  net.train(wasTraining);
  return out;
}

/** Fraction of correct argmax predictions of the float simulation. */
export function evaluate(net: BinaryNet, data: LabelledImages, batch = 256): number {
  const p = predictSimulation(net, data, batch);
  let correct = 0;
  for (let i = 0; i < data.n; i++) if (p[i] === data.labels[i]) correct++;
  return data.n ? correct / data.n : 0;
}

/** A trainer bound to one network; `resume` restores weights, optimizer, schedule and RNG exactly. */
export class BnnTrainer {
  readonly net: BinaryNet;
  readonly optimizer: Adam;
  schedule: LrSchedule;
  readonly seed: number;
  rng: Rng;
  epoch = 0;
  history: EpochRecord[] = [];
  partial: PartialEpoch | undefined;

  constructor(net: BinaryNet, seed: number, opts: Pick<TrainOptions, 'lr' | 'factor' | 'patience'> & ScheduleChoice = {}) {
    this.net = net;
    this.seed = seed;
    this.rng = new Rng(seed).split();
    this.optimizer = new Adam(net.parameters(), { lr: opts.lr ?? 1e-4 });
    if (opts.schedule === 'cosine') {
      if (!Number.isInteger(opts.cosineEpochs) || opts.cosineEpochs! < 1) throw new RangeError(`BnnTrainer: a cosine schedule needs cosineEpochs ≥ 1, got ${opts.cosineEpochs}`);
      this.schedule = new CosineLr(this.optimizer, opts.cosineEpochs!);
    } else {
      this.schedule = new ReduceLrOnPlateau(this.optimizer, { factor: opts.factor ?? PLATEAU_DEFAULTS.factor, patience: opts.patience ?? PLATEAU_DEFAULTS.patience });
    }
  }

  checkpoint(): TrainCheckpoint {
    const weights: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.net.stateDict())) weights[k] = f32ToBase64(v);
    return {
      format: 'bitspike-bnn-checkpoint', version: 1, spec: this.net.spec, seed: this.seed, epoch: this.epoch, weights,
      optimizer: this.optimizer.state(), schedule: this.schedule.state(), rng: this.rng.state(), history: structuredClone(this.history),
      ...(this.partial ? { partial: { ...this.partial } } : {}),
    };
  }

  /** Restores a checkpoint of the same architecture (weights, optimizer, schedule, RNG, history). */
  resume(c: TrainCheckpoint): void {
    if (JSON.stringify(c.spec) !== JSON.stringify(this.net.spec)) throw new TypeError('resume: checkpoint architecture differs from this network');
    const sd = this.net.stateDict(), d: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(c.weights)) d[k] = base64ToF32(v, sd[k]?.length ?? 0, `checkpoint weight ${k}`);
    this.net.loadStateDict(d);
    this.optimizer.loadState(c.optimizer);
    // The checkpoint's schedule wins: a resumed run continues the schedule it started with.
    if (c.schedule.type === 'cosine') this.schedule = CosineLr.fromState(this.optimizer, c.schedule);
    else if (this.schedule.type !== c.schedule.type) this.schedule = new ReduceLrOnPlateau(this.optimizer, PLATEAU_DEFAULTS);
    this.schedule.loadState(c.schedule);
    this.rng = Rng.fromState(c.rng);
    this.epoch = c.epoch;
    this.history = structuredClone(c.history);
    this.partial = c.partial ? { ...c.partial } : undefined;
  }

  fit(train: LabelledImages, o: TrainOptions): TrainResult {
    const batch = o.batchSize ?? 64, minLr = o.minLr ?? 1e-6, log = o.log ?? (() => {});
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`train: batchSize must be a positive integer, got ${batch}`);
    if (train.labels.length !== train.n) throw new RangeError(`train: ${train.labels.length} labels for ${train.n} images`);
    const t0 = performance.now();
    const overBudget = () => (o.timeBudgetSec !== undefined && (performance.now() - t0) / 1000 > o.timeBudgetSec) || o.shouldStop?.() === true;
    let stoppedBy: TrainResult['stoppedBy'] = 'max-epochs';
    this.net.train();
    while (this.epoch < o.maxEpochs) {
      // A resumed partial epoch redraws the same permutation and continues at its next batch.
      const p = this.partial;
      if (p) this.rng = Rng.fromState(p.rng);
      const rngBefore = this.rng.state();
      const e0 = performance.now() - (p ? p.seconds * 1000 : 0), perm = this.rng.permutation(train.n);
      let lossSum = p?.lossSum ?? 0, correct = p?.correct ?? 0, seen = p?.seen ?? 0, batches = p?.batches ?? 0;
      this.partial = undefined;
      for (let s = p?.offset ?? 0; s < train.n; s += batch) {
        if (overBudget()) {
          stoppedBy = 'time-budget';
          this.partial = { rng: rngBefore, offset: s, lossSum, correct, seen, batches, seconds: (performance.now() - e0) / 1000 };
          log(`epoch ${this.epoch + 1} interrupted after ${batches} batches; a resume finishes it`);
          o.onCheckpoint?.(this.checkpoint());
          return { history: this.history, stoppedBy, checkpoint: this.checkpoint() };
        }
        const idx = perm.subarray(s, Math.min(s + batch, train.n));
        const labels = Int32Array.from(idx, (i) => train.labels[i]);
        const logits = this.net.forward(this.net.encode(train.images, train.n, idx));
        const loss = crossEntropy(logits, labels);
        this.optimizer.zeroGrad();
        loss.backward();
        this.optimizer.step();
        this.net.clipLatent();
        const L = logits.f32, C = this.net.spec.classes;
        for (let i = 0; i < idx.length; i++) {
          let best = 0;
          for (let j = 1; j < C; j++) if (L[i * C + j] > L[i * C + best]) best = j;
          if (best === labels[i]) correct++;
        }
        lossSum += loss.item() * idx.length; seen += idx.length; batches++;
        o.onBatch?.({ epoch: this.epoch + 1, images: idx.length, seen, loss: loss.item() });
      }
      if (seen === 0) break;
      const rec: EpochRecord = { epoch: this.epoch + 1, lr: this.optimizer.lr, trainLoss: lossSum / seen, trainAcc: correct / seen, seconds: (performance.now() - e0) / 1000, batches };
      if (o.test) rec.testAcc = evaluate(this.net, o.test);
      this.epoch++;
      this.history.push(rec);
      log(`epoch ${rec.epoch} lr ${rec.lr.toExponential(2)} loss ${rec.trainLoss.toFixed(4)} train ${(100 * rec.trainAcc).toFixed(2)}%` +
        `${rec.testAcc !== undefined ? ` test ${(100 * rec.testAcc).toFixed(2)}%` : ''} (${rec.seconds.toFixed(1)} s, ${batches} batches)`);
      this.schedule.step(rec.trainLoss);
      o.onCheckpoint?.(this.checkpoint());
      if (this.epoch < o.maxEpochs && this.optimizer.lr < minLr) { stoppedBy = 'lr-floor'; break; }
    }
    return { history: this.history, stoppedBy, checkpoint: this.checkpoint() };
  }
}

/** Parses and checks a checkpoint's JSON (the network is rebuilt from its spec by the caller). */
export function parseCheckpoint(text: string, source: string): TrainCheckpoint {
  let c: TrainCheckpoint;
  try {
    c = JSON.parse(text) as TrainCheckpoint;
  } catch (e) {
    throw new Error(`${source}: checkpoint is not valid JSON (${(e as Error).message})`);
  }
  if (c?.format !== 'bitspike-bnn-checkpoint') throw new Error(`${source}: not a bitspike BNN checkpoint (format ${JSON.stringify(c?.format)})`);
  if (c.version !== 1) throw new Error(`${source}: unsupported checkpoint version ${c.version} (this bitspike reads 1)`);
  if (!c.spec || !c.weights || !c.optimizer || !c.schedule || !c.rng || !Array.isArray(c.history)) throw new Error(`${source}: checkpoint is missing fields`);
  return c;
}

/** Rebuilds the float simulation stored in a checkpoint. */
export function netFromCheckpoint(c: TrainCheckpoint): BinaryNet {
  const t = new BnnTrainer(new BinaryNet(c.spec, new Rng(c.seed)), c.seed);
  t.resume(c);
  return t.net;
}
