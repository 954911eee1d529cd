// The linear softmax classifier that every head-training method of the frozen-encoder protocol uses
// (fine-tuning, joint, FeTrIL, latent replay, GBM): one output row per class (dataset id → row in
// order of arrival), trained with Adam on minibatches that a method assembles (real features plus
// whatever it replays). One implementation, one setting (ClassifierSettings), so the methods differ
// only in what they feed it.
import { Adam } from '../../engine/optim/adam.js';
import { crossEntropy } from '../../engine/ops/loss.js';
import { argmax } from '../../engine/ops/reduce.js';
import type { Rng } from '../../engine/random.js';
import { noGrad, Tensor } from '../../engine/tensor.js';
import { tidy } from '../../engine/tidy.js';
import type { Module } from '../../nn/module.js';
import { GrowingHead } from '../backbones/head.js';
import type { ClassifierSettings } from './method.js';

/** A minibatch: `n` rows of `dim` features and their class ids. */
export interface FeatureBatch { x: Float32Array; y: Int32Array; n: number }

export class LinearClassifier {
  head: GrowingHead;
  readonly classes: number[] = [];
  private readonly rowOf = new Map<number, number>();

  constructor(readonly dim: number) {
    this.head = new GrowingHead(dim);
  }

  /** Adds rows for classes not seen yet (in the order given). */
  addClasses(ids: readonly number[], rng: Rng): void {
    const fresh = ids.filter((c) => !this.rowOf.has(c));
    for (const c of fresh) { this.rowOf.set(c, this.classes.length); this.classes.push(c); }
    this.head.grow(fresh.length, rng);
  }

  /** Re-initialises every row (methods that retrain the classifier from scratch at each step). */
  reset(rng: Rng): void {
    this.head = new GrowingHead(this.dim);
    this.head.grow(this.classes.length, rng);
  }

  rows(y: Int32Array): Int32Array {
    return Int32Array.from(y, (c) => {
      const r = this.rowOf.get(c);
      if (r === undefined) throw new RangeError(`linear classifier: class ${c} has no output row`);
      return r;
    });
  }

  /**
   * `settings.epochs` passes over `n` training rows in a seeded random order; `batchOf(idx)` builds the
   * minibatch of those rows (and may append replayed rows). `extra` trains along (a binarizer).
   */
  train(n: number, batchOf: (idx: Int32Array) => FeatureBatch, settings: ClassifierSettings, rng: Rng, forward: (x: Tensor) => Tensor = (x) => x, extra: Module | null = null): void {
    const params = [...this.head.parameters(), ...(extra ? extra.parameters() : [])];
    const opt = new Adam(params, { lr: settings.lr });
    this.head.train();
    extra?.train();
    for (let e = 0; e < settings.epochs; e++) {
      const perm = rng.permutation(n);
      for (let o = 0; o < n; o += settings.batchSize) {
        const b = batchOf(perm.subarray(o, Math.min(n, o + settings.batchSize)));
        tidy(() => {
          const loss = crossEntropy(this.head.forward(forward(new Tensor(b.x, [b.n, this.dim]))), this.rows(b.y));
          opt.zeroGrad();
          loss.backward();
          opt.step();
        });
      }
    }
    this.head.eval();
    extra?.eval();
  }

  /** Class ids of the highest logit for n rows of `x` (after `forward`). */
  predict(x: Float32Array, n: number, forward: (x: Tensor) => Tensor = (t) => t): Int32Array {
    const out = new Int32Array(n);
    noGrad(() => {
      for (let o = 0; o < n; o += 2000) {
        const m = Math.min(2000, n - o);
        const rows = argmax(this.head.forward(forward(new Tensor(x.subarray(o * this.dim, (o + m) * this.dim), [m, this.dim]))), 1).data as Int32Array;
        for (let j = 0; j < m; j++) out[o + j] = this.classes[rows[j]];
      }
    });
    return out;
  }

  bits(): number {
    return this.classes.length * this.head.rowBits;
  }
}

/** Rows `idx` of a feature set as one minibatch. */
export function gatherRows(x: Float32Array, y: Int32Array, dim: number, idx: ArrayLike<number>): FeatureBatch {
  const out = new Float32Array(idx.length * dim), yy = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) { out.set(x.subarray(idx[j] * dim, (idx[j] + 1) * dim), j * dim); yy[j] = y[idx[j]]; }
  return { x: out, y: yy, n: idx.length };
}

/** Concatenation of two minibatches. */
export function joinBatches(a: FeatureBatch, b: FeatureBatch): FeatureBatch {
  const x = new Float32Array(a.x.length + b.x.length); x.set(a.x); x.set(b.x, a.x.length);
  const y = new Int32Array(a.n + b.n); y.set(a.y); y.set(b.y, a.n);
  return { x, y, n: a.n + b.n };
}
