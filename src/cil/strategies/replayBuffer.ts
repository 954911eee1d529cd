// The bit-budgeted sample buffer shared by native replay, latent replay and iCaRL: a SampleStore
// plus a selection policy, created from the planned buffer budget with a clear error when the budget
// cannot hold one sample per class.
import { BudgetError, formatBits } from '../budget.js';
import { createPolicy, SampleStore, type Codec, type Items, type PolicyContext, type SelectionPolicy } from '../buffer/index.js';
import type { Learner } from '../learner.js';
import type { Samples } from '../samples.js';

export class ReplayBuffer {
  readonly store: SampleStore;
  readonly policy: SelectionPolicy;

  /** `numClasses` sizes the stored labels; `classes` (default numClasses) is how many classes the buffer must serve. */
  constructor(readonly owner: string, codec: Codec, bits: number | null, numClasses: number, policy: string, classes = numClasses) {
    if (bits === null) throw new BudgetError(`${owner} needs a buffer budget: set budget.bufferBits or budget.totalBits`);
    this.policy = createPolicy(policy);
    this.store = new SampleStore(codec, bits, numClasses, `${owner} buffer`);
    if (this.store.capacity < classes) {
      throw new BudgetError(`impossible budget: ${owner}'s buffer gets ${bits} bits (${formatBits(bits)}), room for ${this.store.capacity} samples of ${this.store.bitsPerSample} bits (${codec.describe()} + ${this.store.labelBits}-bit label); it needs at least one per class (${classes})`);
    }
  }

  get count(): number { return this.store.count; }

  /** n slot indices drawn uniformly with replacement. */
  draw(n: number, learner: Learner): Int32Array {
    return Int32Array.from({ length: n }, () => learner.rng.int(this.store.count));
  }

  context(learner: Learner, embed?: PolicyContext['embed']): PolicyContext {
    return { rng: learner.rng, taskIndex: learner.tasksLearned, embed };
  }

  memoryBits(): number { return this.store.memoryBits(); }

  /** Decoded pixels of every stored sample, as Samples (iCaRL trains on them). */
  asSamples(): Samples {
    const dim = this.store.codec.dim;
    const x = new Uint8Array(this.store.count * dim);
    for (let i = 0; i < this.store.count; i++) this.store.read(i, x, i * dim);
    return { x, y: this.store.labels(), n: this.store.count, dim };
  }

  state(): unknown {
    return { store: this.store.serialize(), policy: this.policy.state() };
  }

  loadState(s: unknown): void {
    const o = s as { store: Parameters<SampleStore['load']>[0]; policy: Record<string, unknown> };
    if (!o || typeof o !== 'object') throw new TypeError(`${this.owner} state: expected an object`);
    this.store.load(o.store, `${this.owner} buffer`);
    this.policy.loadState(o.policy);
  }
}

export const itemsOf = (s: Samples): Items => ({ values: s.x, labels: s.y, n: s.n, dim: s.dim });
