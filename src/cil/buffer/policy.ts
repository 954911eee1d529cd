// Which samples a bit-budgeted store keeps. A policy sees the store at the end of each task (batch
// mode) or each example (online mode). Balanced policies share one routine: groups (classes, or tasks
// for 'random') get an equal quota floor(capacity / #groups) (docs/methods-cil.md §3.5); over-quota groups
// evict, new groups fill up to the quota.
import type { Rng } from '../../engine/random.js';
import type { SampleStore } from './store.js';

/** Candidate samples from the current task (pixels or latents). */
export interface Items {
  readonly values: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
  readonly dim: number;
}

export interface PolicyContext {
  rng: Rng;
  taskIndex: number;
  /** Features (n × featureDim, row-major) of items at `indices`; needed by herding only. */
  embed?: (items: Items, indices: Int32Array) => { features: Float32Array; dim: number };
}

export interface SelectionPolicy {
  readonly name: string;
  /** True when every class keeps an equal share (tests check the quota invariant for these). */
  readonly classBalanced: boolean;
  afterTask(store: SampleStore, items: Items, ctx: PolicyContext): void;
  observe(store: SampleStore, items: Items, index: number, ctx: PolicyContext): void;
  state(): Record<string, unknown>;
  loadState(s: Record<string, unknown>): void;
}

/** Orders the candidate indices of one group; the first m are kept. */
export type GroupSelector = (items: Items, indices: Int32Array, m: number, ctx: PolicyContext) => Int32Array;

export const randomSelector: GroupSelector = (_items, indices, m, ctx) => {
  const p = ctx.rng.permutation(indices.length);
  return Int32Array.from(p.subarray(0, m), (k) => indices[k]);
};

/**
 * Equal quota per group after adding this task's groups. `groupOf(label)` maps a label to its group.
 * `evictTail`: drop each group's last slots (herding order) instead of random ones.
 */
export function rebalance(store: SampleStore, items: Items, groupOf: (label: number) => number,
  select: GroupSelector, evictTail: boolean, ctx: PolicyContext): void {
  const incoming = new Map<number, number[]>();
  for (let i = 0; i < items.n; i++) {
    const g = groupOf(items.labels[i]);
    let list = incoming.get(g);
    if (!list) incoming.set(g, (list = []));
    list.push(i);
  }
  const counts = store.groupCounts();
  const groups = new Set([...counts.keys(), ...incoming.keys()]);
  if (groups.size === 0) return;
  const quota = Math.floor(store.capacity / groups.size);
  // Evict over-quota groups (sorted for determinism).
  const evict = new Set<number>();
  for (const g of [...counts.keys()].sort((a, b) => a - b)) {
    const have = counts.get(g)!;
    const keepN = incoming.has(g) ? Math.min(have, quota) : quota;
    if (have <= keepN) continue;
    const slots: number[] = [];
    for (let i = 0; i < store.count; i++) if (store.group(i) === g) slots.push(i);
    if (evictTail) for (const s of slots.slice(keepN)) evict.add(s);
    else {
      const p = ctx.rng.permutation(slots.length);
      for (let k = 0; k < have - keepN; k++) evict.add(slots[p[k]]);
    }
  }
  if (evict.size) store.compact((i) => !evict.has(i));
  const after = store.groupCounts();
  for (const g of [...incoming.keys()].sort((a, b) => a - b)) {
    const idx = Int32Array.from(incoming.get(g)!);
    const m = Math.min(idx.length, quota - (after.get(g) ?? 0));
    if (m <= 0) continue;
    for (const i of select(items, idx, m, ctx)) store.add(items.values, i * items.dim, items.labels[i], g);
  }
}

/**
 * Online insertion with a per-group reservoir: while the group is under its quota the example is
 * added (evicting from the largest group when full); beyond it, it replaces a random slot of its own
 * group with probability quota / seen(group), so each group's share stays a uniform sample.
 */
export function observeBalanced(store: SampleStore, items: Items, index: number, group: number,
  seen: Map<number, number>, ctx: PolicyContext): void {
  const s = (seen.get(group) ?? 0) + 1;
  seen.set(group, s);
  const counts = store.groupCounts();
  const nGroups = counts.has(group) ? counts.size : counts.size + 1;
  const quota = Math.floor(store.capacity / nGroups);
  const have = counts.get(group) ?? 0;
  const label = items.labels[index], off = index * items.dim;
  if (quota === 0) return;
  if (have < quota) {
    if (store.count >= store.capacity) {
      let big = -1, bigN = -1;
      for (const [g, n] of [...counts].sort((a, b) => a[0] - b[0])) if (n > bigN) { big = g; bigN = n; }
      const slots: number[] = [];
      for (let i = 0; i < store.count; i++) if (store.group(i) === big) slots.push(i);
      const drop = slots[ctx.rng.int(slots.length)];
      store.compact((i) => i !== drop);
    }
    store.add(items.values, off, label, group);
    return;
  }
  const j = ctx.rng.int(s);
  if (j < have) {
    const slots: number[] = [];
    for (let i = 0; i < store.count; i++) if (store.group(i) === group) slots.push(i);
    store.replace(slots[j], items.values, off, label, group);
  }
}

export function seenToJson(seen: Map<number, number>): [number, number][] {
  return [...seen].sort((a, b) => a[0] - b[0]);
}

export function seenFromJson(v: unknown, what: string): Map<number, number> {
  if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 2 && e.every(Number.isInteger))) {
    throw new TypeError(`${what}: expected a list of [group, count] pairs`);
  }
  return new Map(v as [number, number][]);
}
