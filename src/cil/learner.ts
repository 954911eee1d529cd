// A class-incremental learner: one model with a growing single head, one strategy, one seeded Rng,
// a class map (output unit → class id) and a memory budget in bits. learnTask() trains on a task's
// samples (a batch stream of new classes), learnOne() on a single example, predict() scores all
// seen classes (no task id). state()/loadState() capture everything needed to continue bit-identically.
import { augmentBatch, parseAugment, type AugmentStep } from '../data/augment.js';
import { Adam } from '../engine/optim/adam.js';
import { CosineLr, ReduceLrOnPlateau } from '../engine/optim/schedule.js';
import type { Optimizer, OptimizerState } from '../engine/optim/optimizer.js';
import { SGD } from '../engine/optim/sgd.js';
import { crossEntropy } from '../engine/ops/loss.js';
import { argmax } from '../engine/ops/reduce.js';
import { Rng, type RngState } from '../engine/random.js';
import { base64ToF32, f32ToBase64 } from '../engine/serialize.js';
import { noGrad, type Tensor } from '../engine/tensor.js';
import { tidy } from '../engine/tidy.js';
import { assertWithinBudget, labelBits, memoryReport, planBufferBits, type BudgetConfig, type FixedFootprint, type MemoryReport } from './budget.js';
import { imageGeometry, type ImageGeometry } from './backbones/imageShape.js';
import { CilNet, type LatentSplit, type ModelConfig } from './model.js';
import { makeSamples, toInput, type Samples } from './samples.js';

// The strategy contract (Mammoth's minimal `observe` + Avalanche's hooks). It lives beside the
// Learner because each side calls the other: the learner runs the hooks, the hooks receive the
// learner. A strategy is one file under strategies/ exporting a StrategyEntry (./strategy.ts).
// Every hook is optional: with none, the learner fine-tunes (cross-entropy on the current task's
// minibatches). Hooks run in this order for each task:
//   trainingData → beforeTask → [beforeEpoch → (loss → step → afterBatch)* → afterEpoch]* → afterTask
// Online learning (learner.learnOne) runs loss → step → observeOne for each example.

/** One minibatch of current-task data. */
export interface Batch {
  /** Network input [B, dim] (pixels / 255). */
  readonly x: Tensor;
  /** Output units of the targets (learner.unitsOf(labels)). */
  readonly units: Int32Array;
  /** The minibatch's samples (pixels as fed, i.e. augmented when `augmented`, and original labels), for strategies that store them. */
  readonly samples: Samples;
  /** Positions of the samples in the data the epoch iterates (strategies cache per-sample values by them). */
  readonly indices: Int32Array;
  /** The pixels were augmented (cached per-sample values of the raw images do not apply). */
  readonly augmented: boolean;
}

export interface Strategy {
  readonly name: string;
  /** Where the model splits into encoder and trunk (latent replay); null: no split. */
  readonly split: LatentSplit | null;
  /** Called once the learner (and its model) exists; `bufferBits` is the planned buffer budget (null: none set). */
  setup?(learner: Learner, bufferBits: number | null): void;
  /** The samples the epochs iterate over (joint training returns everything seen so far). */
  trainingData?(learner: Learner, task: Samples): Samples;
  beforeTask?(learner: Learner, task: Samples): void;
  beforeEpoch?(learner: Learner, epoch: number): void;
  /** The minibatch loss (Mammoth's observe). Default: cross-entropy over all seen classes. */
  loss?(learner: Learner, batch: Batch): Tensor;
  afterBatch?(learner: Learner, batch: Batch, loss: number): void;
  afterEpoch?(learner: Learner, epoch: number): void;
  afterTask?(learner: Learner, task: Samples): void;
  /** After the update on one online example. */
  observeOne?(learner: Learner, example: Samples): void;
  /** Output units predicted for an input batch (iCaRL: nearest mean of exemplars). Default: argmax of the logits. */
  predict?(learner: Learner, x: Tensor): Int32Array;
  /** Bits kept between tasks besides model, buffer and generator, with `classes` classes seen. */
  auxiliaryBits?(learner: Learner, classes: number): number;
  bufferBits?(): number;
  generatorBits?(): number;
  /** Defaults in effect that are not paper values (listed in run reports). */
  defaults?(): string[];
  state(): unknown;
  loadState(s: unknown, learner: Learner): void;
}

export interface TrainingConfig {
  /** Epochs per task (with the plateau schedule: at most). */
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  /**
   * 'plateau': reduce-on-plateau of the epoch loss; a task ends when the lr falls below minLr
   * (docs/methods-cil.md §3.7). 'cosine': annealed from lr to 0 over the task's epochs, per epoch.
   * Default constant.
   */
  schedule?: 'constant' | 'plateau' | 'cosine';
  /** SGD momentum (default 0). */
  momentum?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  minLr?: number;
  factor?: number;
  patience?: number;
  /** Augmentation of current-task images (and native replay's replayed images): 'none' or 'crop:4,flip'. */
  augment?: string;
}

/** How a task's training ended. */
export interface TaskTraining { epochs: number; stoppedBy: 'lr-floor' | 'max-epochs' }

/** Mid-task state after an epoch: what a long task (a base training of hours) resumes from. */
export interface EpochCheckpoint {
  version: 1;
  /** Epochs completed. */
  epoch: number;
  rng: RngState;
  weights: Record<string, string>;
  optimizer: OptimizerState;
  /** Schedule position (plateau: its state; cosine: the epoch count is enough). */
  plateau: unknown;
}

/**
 * Where learnTask saves and finds its per-epoch checkpoint (e.g. a file written atomically). The
 * strategy's own state is not in it: use it where the strategy keeps none within a task (the plain
 * cross-entropy base training of the frozen-encoder study); the CIL runner snapshots between tasks.
 */
export interface EpochCheckpointStore {
  load(): EpochCheckpoint | null;
  save(c: EpochCheckpoint): void;
}

export interface LearnerOptions {
  model: ModelConfig;
  /** Values per input sample (h·w·c). */
  inputDim: number;
  /** Number of class ids in the dataset (label bits use it). */
  numClasses: number;
  /** Classes the learner will be taught (budget planning, one buffer slot per class at least); default numClasses. */
  classes?: number;
  training: TrainingConfig;
  budget: BudgetConfig;
  strategy: Strategy;
  seed: number;
}

export interface Progress {
  /**
   * Called after every optimizer step. `images`: examples of the training data in this batch;
   * `samples`: examples per epoch (the task's training data as the strategy shaped it).
   */
  onBatch?(info: { epoch: number; epochs: number; batch: number; batches: number; loss: number; images: number; samples: number }): void;
  /** After every epoch (mean training loss over the epoch's samples, lr used). */
  onEpoch?(info: { epoch: number; epochs: number; loss: number; lr: number }): void;
  /** Per-epoch checkpoints of this task: resumed from when one is found, written after every epoch. */
  checkpoint?: EpochCheckpointStore;
}

export interface LearnerState {
  version: 1;
  rng: RngState;
  weights: Record<string, string>;
  headOutputs: number;
  encoderFrozen: boolean;
  classMap: number[];
  tasksLearned: number;
  optimizer: OptimizerState | null;
  strategy: unknown;
}

const EVAL_CHUNK = 1000;

export class Learner {
  rng: Rng;
  readonly net: CilNet;
  readonly strategy: Strategy;
  readonly numClasses: number;
  readonly training: TrainingConfig;
  readonly budget: BudgetConfig;
  /** Output unit → class id, in order of arrival. */
  readonly classMap: number[] = [];
  private readonly unitOfClass = new Map<number, number>();
  optimizer: Optimizer | null = null;
  tasksLearned = 0;
  /** Planned buffer bits (null: no budget set). */
  readonly bufferBudgetBits: number | null;
  /** Classes the learner will be taught. */
  readonly classes: number;
  /** The encoder holds pre-trained weights (strategies that freeze a trained encoder freeze it from the first task). */
  encoderPretrained = false;
  private readonly augmentSteps: AugmentStep[];
  private geometryCache: ImageGeometry | null = null;

  constructor(readonly options: LearnerOptions) {
    const { training: t } = options;
    if (!(Number.isInteger(t.epochs) && t.epochs >= 1)) throw new RangeError(`training.epochs must be an integer ≥ 1, got ${t.epochs}`);
    if (!(Number.isInteger(t.batchSize) && t.batchSize >= 1)) throw new RangeError(`training.batchSize must be an integer ≥ 1, got ${t.batchSize}`);
    if (!(t.lr > 0)) throw new RangeError(`training.lr must be > 0, got ${t.lr}`);
    this.rng = new Rng(options.seed);
    this.strategy = options.strategy;
    this.numClasses = options.numClasses;
    this.training = t;
    this.budget = options.budget;
    this.classes = options.classes ?? options.numClasses;
    if (!(Number.isInteger(this.classes) && this.classes >= 1 && this.classes <= this.numClasses)) {
      throw new RangeError(`learner: classes must be an integer in [1, ${this.numClasses}], got ${this.classes}`);
    }
    this.augmentSteps = parseAugment(t.augment ?? 'none');
    if (t.schedule === 'plateau' && !(t.minLr !== undefined && t.minLr >= 0)) throw new RangeError(`training.minLr must be ≥ 0 with the plateau schedule, got ${t.minLr}`);
    this.net = new CilNet(options.model, options.inputDim, this.strategy.split, this.rng.split());
    this.bufferBudgetBits = planBufferBits(this.budget, this.footprint(this.classes));
    this.strategy.setup?.(this, this.bufferBudgetBits);
  }

  get seenClasses(): number { return this.classMap.length; }

  /** Peak fixed memory with `classes` classes (every class present: what the budget must hold). */
  footprint(classes: number): FixedFootprint {
    // Optimizer slots are float32 per trainable scalar, whatever the weights' stored bit-width.
    const trainable = this.net.trainableScalarsWithClasses(classes);
    return {
      modelBits: this.net.bitsWithClasses(classes),
      classMapBits: classes * labelBits(this.numClasses),
      auxiliaryBits: this.strategy.auxiliaryBits?.(this, classes) ?? 0,
      trainingStateBits: this.optimizerSlots() * trainable * 32,
    };
  }

  private optimizerSlots(): number {
    return this.training.optimizer === 'adam' ? 2 : 0;
  }

  /** Adds output units for classes not seen yet (ascending id order); returns how many were added. */
  addClasses(labels: ArrayLike<number>): number {
    const fresh = [...new Set(Array.from(labels))].filter((c) => !this.unitOfClass.has(c)).sort((a, b) => a - b);
    for (const c of fresh) {
      if (!(Number.isInteger(c) && c >= 0 && c < this.numClasses)) throw new RangeError(`label ${c} is outside [0, ${this.numClasses})`);
      this.unitOfClass.set(c, this.classMap.length);
      this.classMap.push(c);
    }
    if (fresh.length) this.net.head.grow(fresh.length, this.rng);
    return fresh.length;
  }

  unitsOf(labels: Int32Array): Int32Array {
    return Int32Array.from(labels, (c) => {
      const u = this.unitOfClass.get(c);
      if (u === undefined) throw new RangeError(`class ${c} has no output unit yet`);
      return u;
    });
  }

  unitOf(label: number): number | undefined {
    return this.unitOfClass.get(label);
  }

  private newOptimizer(): Optimizer {
    const params = this.net.trainableParameters(), t = this.training;
    return t.optimizer === 'adam'
      ? new Adam(params, { lr: t.lr, weightDecay: t.weightDecay ?? 0 })
      : new SGD(params, { lr: t.lr, momentum: t.momentum ?? 0, weightDecay: t.weightDecay ?? 0 });
  }

  /** Loads pre-trained encoder weights (names as in net.encoder.stateDict()); the trunk and head stay fresh. */
  loadPretrainedEncoder(weights: Record<string, Float32Array>): void {
    if (this.tasksLearned !== 0) throw new Error('loadPretrainedEncoder: the learner has already learned a task');
    this.net.encoder.loadStateDict(weights);
    this.encoderPretrained = true;
  }

  /** Training augmentation is configured (training.augment is not 'none'). */
  get augments(): boolean { return this.augmentSteps.length > 0; }

  /** A randomly augmented copy of `n` images stored back to back (the training augmentation; identity when none). */
  augment(pixels: Uint8Array, n: number): Uint8Array {
    if (!this.augments) return pixels;
    const g = this.geometryCache ??= imageGeometry(this.options.inputDim, (this.options.model as { imageShape?: number[] | null }).imageShape ?? null, 'training.augment: model.imageShape');
    return augmentBatch(pixels, { n, h: g.height, w: g.width, c: g.channels }, Int32Array.from({ length: n }, (_, i) => i), this.augmentSteps, this.rng);
  }

  /** One minibatch of `s` at `idx` as network input (`augment`: apply the training augmentation). */
  batchOf(s: Samples, idx: ArrayLike<number>, augment = false): Batch {
    let x: Uint8Array = new Uint8Array(idx.length * s.dim);
    const y = new Int32Array(idx.length);
    for (let j = 0; j < idx.length; j++) {
      x.set(s.x.subarray(idx[j] * s.dim, (idx[j] + 1) * s.dim), j * s.dim);
      y[j] = s.y[idx[j]];
    }
    if (augment) x = this.augment(x, idx.length);
    return { x: toInput(x, idx.length, s.dim), units: this.unitsOf(y), samples: makeSamples(x, y, s.dim), indices: Int32Array.from(idx), augmented: augment && this.augments };
  }

  // One optimizer step, in a tidy scope: the step's activations and gradients live in kernel
  // memory and are reused by the next step (strategies keep nothing from inside loss()).
  private step(batch: Batch): number {
    const opt = this.optimizer!;
    return tidy(() => {
      const loss = this.strategy.loss ? this.strategy.loss(this, batch) : crossEntropy(this.net.forward(batch.x), batch.units);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
  }

  /**
   * Trains on one task: a batch stream of (usually new) classes. The optimizer is reset per task; with
   * the plateau schedule the lr follows reduce-on-plateau of the epoch loss and the task ends once it
   * falls below training.minLr (or after training.epochs).
   */
  learnTask(task: Samples, progress: Progress = {}): TaskTraining {
    if (task.n === 0) throw new RangeError('learnTask: the task has no samples');
    const s = this.strategy;
    this.addClasses(task.y);
    const data = s.trainingData?.(this, task) ?? task;
    s.beforeTask?.(this, task);
    this.net.train();
    this.optimizer = this.newOptimizer();
    const t = this.training, { epochs, batchSize } = t;
    const plateau = t.schedule === 'plateau'
      ? new ReduceLrOnPlateau(this.optimizer, { factor: t.factor ?? 0.5, patience: t.patience ?? 10 })
      : null;
    const cosine = t.schedule === 'cosine' ? new CosineLr(this.optimizer, epochs) : null;
    const batches = Math.ceil(data.n / batchSize);
    let done = 0, stoppedBy: TaskTraining['stoppedBy'] = 'max-epochs';
    const resumed = progress.checkpoint?.load() ?? null;
    if (resumed) {
      if (resumed.version !== 1 || !(Number.isInteger(resumed.epoch) && resumed.epoch >= 1 && resumed.epoch <= epochs)) {
        throw new TypeError(`epoch checkpoint: expected version 1 and 1 ≤ epoch ≤ ${epochs}, got version ${resumed.version}, epoch ${resumed.epoch}`);
      }
      this.loadEncodedWeights(resumed.weights, 'epoch checkpoint');
      this.optimizer.loadState(resumed.optimizer);
      if (plateau) plateau.loadState(resumed.plateau as never);
      if (cosine) for (let e = 0; e < resumed.epoch; e++) cosine.step();
      this.rng = Rng.fromState(resumed.rng);
      done = resumed.epoch;
    }
    for (let epoch = done; epoch < epochs; epoch++) {
      s.beforeEpoch?.(this, epoch);
      const perm = this.rng.permutation(data.n);
      const lr = this.optimizer.lr;
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        const idx = perm.subarray(b * batchSize, Math.min(data.n, (b + 1) * batchSize));
        const batch = this.batchOf(data, idx, true);
        const loss = this.step(batch);
        lossSum += loss * batch.units.length;
        s.afterBatch?.(this, batch, loss);
        progress.onBatch?.({ epoch, epochs, batch: b, batches, loss, images: idx.length, samples: data.n });
      }
      s.afterEpoch?.(this, epoch);
      done = epoch + 1;
      progress.onEpoch?.({ epoch, epochs, loss: lossSum / data.n, lr });
      cosine?.step();
      if (plateau) plateau.step(lossSum / data.n);
      if (progress.checkpoint && done < epochs) {
        progress.checkpoint.save({ version: 1, epoch: done, rng: this.rng.state(), weights: this.encodedWeights(), optimizer: this.optimizer.state(), plateau: plateau?.state() ?? null });
      }
      if (plateau && this.optimizer.lr < t.minLr!) { stoppedBy = 'lr-floor'; break; }
    }
    this.net.eval();
    s.afterTask?.(this, task);
    this.tasksLearned++;
    assertWithinBudget(this.memory(), `after task ${this.tasksLearned - 1}`);
    return { epochs: done, stoppedBy };
  }

  /** Online learning: one update on a single example (plus whatever the strategy replays). */
  learnOne(pixels: Uint8Array, label: number): number {
    const ex = makeSamples(pixels, Int32Array.of(label), pixels.length);
    if (this.addClasses(ex.y) > 0 || !this.optimizer) this.optimizer = this.newOptimizer();
    this.net.train();
    const loss = this.step(this.batchOf(ex, [0]));
    this.net.eval();
    this.strategy.observeOne?.(this, ex);
    assertWithinBudget(this.memory(), 'after an online example');
    return loss;
  }

  /** Trunk features (penultimate layer) of samples, eval mode, no gradients. */
  embed(s: Samples, idx?: ArrayLike<number>): Float32Array {
    const ids = idx ?? Int32Array.from({ length: s.n }, (_, i) => i);
    const out = new Float32Array(ids.length * this.net.featureDim);
    noGrad(() => {
      for (let o = 0; o < ids.length; o += EVAL_CHUNK) {
        const b = this.batchOfUnlabelled(s, Array.prototype.slice.call(ids, o, o + EVAL_CHUNK) as number[]);
        tidy(() => { out.set(this.net.features(this.net.latent(b)).f32, o * this.net.featureDim); });
      }
    });
    return out;
  }

  private batchOfUnlabelled(s: Samples, idx: ArrayLike<number>): Tensor {
    const x = new Uint8Array(idx.length * s.dim);
    for (let j = 0; j < idx.length; j++) x.set(s.x.subarray(idx[j] * s.dim, (idx[j] + 1) * s.dim), j * s.dim);
    return toInput(x, idx.length, s.dim);
  }

  /** Predicted class ids over all seen classes (single head). */
  predict(s: Samples): Int32Array {
    if (this.classMap.length === 0) throw new Error('predict: the learner has not seen any class yet');
    const out = new Int32Array(s.n);
    this.net.eval();
    noGrad(() => {
      for (let o = 0; o < s.n; o += EVAL_CHUNK) {
        const idx = Int32Array.from({ length: Math.min(EVAL_CHUNK, s.n - o) }, (_, j) => o + j);
        const x = this.batchOfUnlabelled(s, idx);
        tidy(() => {
          const units = this.strategy.predict ? this.strategy.predict(this, x) : (argmax(this.net.forward(x), 1).data as Int32Array);
          for (let j = 0; j < units.length; j++) out[o + j] = this.classMap[units[j]];
        });
      }
    });
    return out;
  }

  memory(): MemoryReport {
    const f = this.footprint(this.classMap.length);
    return memoryReport({
      modelBits: f.modelBits,
      bufferBits: this.strategy.bufferBits?.() ?? 0,
      generatorBits: this.strategy.generatorBits?.() ?? 0,
      classMapBits: f.classMapBits,
      auxiliaryBits: f.auxiliaryBits,
      trainingStateBits: f.trainingStateBits,
    }, this.budget);
  }

  state(): LearnerState {
    return {
      version: 1, rng: this.rng.state(), weights: this.encodedWeights(), headOutputs: this.net.head.outputs, encoderFrozen: this.net.encoderFrozen,
      classMap: [...this.classMap], tasksLearned: this.tasksLearned, optimizer: this.optimizer?.state() ?? null,
      strategy: this.strategy.state(),
    };
  }

  /** The net's state dict as base64 float32 (the inverse of loadEncodedWeights). */
  encodedWeights(): Record<string, string> {
    const weights: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.net.stateDict())) weights[k] = f32ToBase64(v);
    return weights;
  }

  /** Loads base64 float32 weights (every entry of the net's state dict must be there); `what` names the source in errors. */
  loadEncodedWeights(weights: Record<string, string>, what: string): void {
    const d: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(this.net.stateDict())) {
      if (!(k in weights)) throw new TypeError(`${what}: missing weights '${k}'`);
      d[k] = base64ToF32(weights[k], v.length, `${what} weights '${k}'`);
    }
    this.net.loadStateDict(d);
  }

  /** Restores a state saved from a learner built with the same options. */
  loadState(s: LearnerState): void {
    if (s?.version !== 1) throw new TypeError(`learner state: unsupported version ${s?.version}`);
    if (this.classMap.length !== 0 || this.tasksLearned !== 0) throw new Error('learner state: load into a freshly built learner');
    // One class at a time: addClasses sorts a batch of new ids, but the saved map keeps arrival order.
    for (const c of s.classMap) this.addClasses([c]);
    // The head grew with this learner's rng; its rows are overwritten below and the rng restored last.
    if (s.encoderFrozen) this.net.freezeEncoder();
    this.loadEncodedWeights(s.weights, 'learner state');
    if (this.classMap.length !== s.classMap.length || this.net.head.outputs !== s.headOutputs) throw new TypeError('learner state: class map does not match the head size');
    this.tasksLearned = s.tasksLearned;
    this.strategy.loadState(s.strategy, this);
    if (s.optimizer) { this.optimizer = this.newOptimizer(); this.optimizer.loadState(s.optimizer); } else this.optimizer = null;
    this.rng = Rng.fromState(s.rng);
  }
}
