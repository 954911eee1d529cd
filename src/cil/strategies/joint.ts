// Joint training: at every task, train on all data seen so far (the upper bound). Everything seen is
// kept, at 8 bits per pixel, and counted as buffer memory; a set buffer budget is enforced.
import { BudgetError, labelBits } from '../budget.js';
import { concatSamples, type Samples } from '../samples.js';
import type { StrategyEntry } from '../strategy.js';
import { base64ToBytes, bytesToBase64 } from '../../engine/serialize.js';

export const joint: StrategyEntry = {
  description: 'joint training on everything seen so far (upper bound; stores all data)',
  options: {},
  create: () => {
    let seen: Samples | null = null;
    let budget: number | null = null;
    let numClasses = 1;
    const bits = (s: Samples | null): number => (s ? s.n * (s.dim * 8 + labelBits(numClasses)) : 0);
    return {
      name: 'joint', split: null,
      setup: (learner, bufferBits) => { budget = bufferBits; numClasses = learner.numClasses; },
      trainingData: (_l, task) => (seen ? concatSamples([seen, task]) : task),
      afterTask: (_l, task) => {
        const next = seen ? concatSamples([seen, task]) : task;
        if (budget !== null && bits(next) > budget) {
          throw new BudgetError(`joint: keeping ${next.n} samples needs ${bits(next)} bits, over the ${budget}-bit buffer budget`);
        }
        seen = next;
      },
      bufferBits: () => bits(seen),
      state: () => (seen ? { n: seen.n, dim: seen.dim, x: bytesToBase64(seen.x), y: Array.from(seen.y) } : null),
      loadState: (s) => {
        if (s === null) { seen = null; return; }
        const o = s as { n: number; dim: number; x: string; y: number[] };
        const x = base64ToBytes(o.x, 'joint state');
        if (x.length !== o.n * o.dim || o.y.length !== o.n) throw new TypeError('joint state: sizes do not match');
        seen = { n: o.n, dim: o.dim, x, y: Int32Array.from(o.y) };
      },
    };
  },
};
