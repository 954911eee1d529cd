// The contract of a frozen-encoder CIL method (docs/methods-cil.md §6): the encoder is frozen after
// the base task, so a method sees feature vectors, never pixels. At every step it receives the
// step's training features (new classes only) and must then classify test features over every class
// seen so far, keeping between steps only what it reports in memory(): class means, covariances,
// a generator, a buffer, a binarizer's thresholds. The classifier it trains (a linear head) is the
// model and is reported apart.
import type { Rng } from '../../engine/random.js';
import type { ObjectFields } from '../schema.js';
import type { FeatureSet } from './featureCache.js';

/** How every linear classifier of a study trains (one setting for all methods: equal budget). */
export interface ClassifierSettings {
  /** Epochs over the step's training set (the spec asks ≥ 30). */
  epochs: number;
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
}

export interface FrozenMethodSpec { label: string; name: string; options: Record<string, unknown> }

/** The `frozen` section of an experiment config. */
export interface FrozenConfig {
  classifier: ClassifierSettings;
  methods: FrozenMethodSpec[];
}

export interface StepContext {
  /** 0 = base task. */
  step: number;
  /** Classes of this step (dataset ids, class-order order). */
  newClasses: readonly number[];
  /** Every class seen up to and including this step. */
  seenClasses: readonly number[];
  /** Class ids of the dataset (label bits). */
  numClasses: number;
  classifier: ClassifierSettings;
  rng: Rng;
}

/** Bits kept between steps, by part (e.g. {means: …, covariances: …}); the classifier is not in it. */
export type MemoryParts = Record<string, number>;

export interface FeatureMethod {
  readonly name: string;
  /** Learns one step from its training features (new classes only). */
  learnStep(data: FeatureSet, ctx: StepContext): void;
  /** Predicted class ids for n test features. */
  predict(x: Float32Array, n: number): Int32Array;
  memory(): MemoryParts;
  /** Bits of the classifier it trains (0 for training-free methods such as NCM and FeCAM). */
  classifierBits(): number;
  /** One line for the report (settings in effect). */
  describe(): string;
}

export interface FeatureMethodEntry<O = Record<string, unknown>> {
  description: string;
  options: ObjectFields;
  create(options: O, dim: number): FeatureMethod;
}

/** Sum of a memory report. */
export const memoryBits = (m: MemoryParts): number => Object.values(m).reduce((s, v) => s + v, 0);
