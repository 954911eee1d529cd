// Class-balanced selection (FBNN-ER default, docs/methods-cil.md §3.5): quota floor(capacity / #classes),
// uniformly random eviction inside over-quota classes, uniformly random fill from the new classes.
import { observeBalanced, randomSelector, rebalance, seenFromJson, seenToJson, type SelectionPolicy } from './policy.js';

export function classBalancedPolicy(): SelectionPolicy {
  let seen = new Map<number, number>();
  return {
    name: 'class-balanced', classBalanced: true,
    afterTask: (store, items, ctx) => rebalance(store, items, (y) => y, randomSelector, false, ctx),
    observe: (store, items, i, ctx) => observeBalanced(store, items, i, items.labels[i], seen, ctx),
    state: () => ({ seen: seenToJson(seen) }),
    loadState: (s) => { seen = seenFromJson(s.seen, 'class-balanced policy state'); },
  };
}
