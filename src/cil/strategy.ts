// The strategy contract (Mammoth's minimal `observe` + Avalanche's hooks) and the registry by name.
//
// A strategy is one file under strategies/ exporting a StrategyEntry. Every hook is optional: with
// none, the learner fine-tunes (cross-entropy on the current task's minibatches). Hooks run in this
// order for each task:
//   trainingData → beforeTask → [beforeEpoch → (loss → step → afterBatch)* → afterEpoch]* → afterTask
// Online learning (learner.learnOne) runs loss → step → observeOne for each example.
import type { Tensor } from '../engine/tensor.js';
import type { Learner } from './learner.js';
import type { LatentSplit } from './model.js';
import type { Samples } from './samples.js';
import type { ObjectFields } from './schema.js';
import { finetune } from './strategies/finetune.js';
import { gbm } from './strategies/gbm.js';
import { icarl } from './strategies/icarl.js';
import { joint } from './strategies/joint.js';
import { latentReplay } from './strategies/latentReplay.js';
import { lwf } from './strategies/lwf.js';
import { nativeReplay } from './strategies/nativeReplay.js';

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

export interface StrategyEntry<O = Record<string, unknown>> {
  readonly description: string;
  /** Option schema (the keys allowed next to `name` in config.strategy). */
  readonly options: ObjectFields;
  create(options: O): Strategy;
}

/** Every strategy by name. Adding one = one file + one line here. */
export const STRATEGIES: Record<string, StrategyEntry<never>> = {
  finetune,
  joint,
  'native-replay': nativeReplay,
  'latent-replay': latentReplay,
  lwf,
  icarl,
  gbm,
};

export const STRATEGY_NAMES = Object.keys(STRATEGIES);

export function strategyEntry(name: string): StrategyEntry<Record<string, unknown>> {
  const e = STRATEGIES[name];
  if (!e) throw new RangeError(`unknown strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  return e as unknown as StrategyEntry<Record<string, unknown>>;
}
