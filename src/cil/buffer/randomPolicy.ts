// The 'random' buffer policy: random selection balanced over tasks (Avalanche's experience-balanced
// buffer). Each task keeps floor(capacity / #tasks) uniformly random samples; classes are not
// balanced within a task. The draws come from the learner's seeded Rng (ctx.rng).
import { observeBalanced, randomSelector, rebalance, seenFromJson, seenToJson, type SelectionPolicy } from './policy.js';

export function randomPolicy(): SelectionPolicy {
  let seen = new Map<number, number>();
  return {
    name: 'random', classBalanced: false,
    afterTask: (store, items, ctx) => rebalance(store, items, () => ctx.taskIndex, randomSelector, false, ctx),
    observe: (store, items, i, ctx) => observeBalanced(store, items, i, ctx.taskIndex, seen, ctx),
    state: () => ({ seen: seenToJson(seen) }),
    loadState: (s) => { seen = seenFromJson(s.seen, 'random policy state'); },
  };
}
