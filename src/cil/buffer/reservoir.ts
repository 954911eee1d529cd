// Reservoir sampling (Vitter's Algorithm R) over the whole example stream: after n examples every one
// of them is in the buffer with probability capacity / n. Classes are kept in proportion to their
// frequency in the stream, not balanced. Batch mode feeds the task's examples in stream order.
import type { SampleStore } from './store.js';
import type { Items, PolicyContext, SelectionPolicy } from './policy.js';

export function reservoirPolicy(): SelectionPolicy {
  let seen = 0;
  const observe = (store: SampleStore, items: Items, i: number, ctx: PolicyContext): void => {
    seen++;
    if (store.capacity === 0) return;
    if (store.count < store.capacity) { store.add(items.values, i * items.dim, items.labels[i]); return; }
    const j = ctx.rng.int(seen);
    if (j < store.capacity) store.replace(j, items.values, i * items.dim, items.labels[i]);
  };
  return {
    name: 'reservoir', classBalanced: false,
    afterTask: (store, items, ctx) => { for (let i = 0; i < items.n; i++) observe(store, items, i, ctx); },
    observe,
    state: () => ({ seen }),
    loadState: (s) => {
      if (!Number.isInteger(s.seen) || (s.seen as number) < 0) throw new TypeError(`reservoir policy state: seen must be a non-negative integer, got ${String(s.seen)}`);
      seen = s.seen as number;
    },
  };
}
