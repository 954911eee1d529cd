// Herding selection (iCaRL, Rebuffi et al. 2017): per class, greedily pick the sample that brings the
// mean of the picked (L2-normalised) features closest to the class mean. The store keeps each class in
// herding order, so shrinking a class to a smaller quota drops its least representative samples.
import { observeBalanced, rebalance, seenFromJson, seenToJson, type GroupSelector, type SelectionPolicy } from './policy.js';

/** Indices (0..n−1) of the first m herding picks for n feature rows of width d (rows are L2-normalised here). */
export function herdingOrder(features: Float32Array, n: number, d: number, m: number): Int32Array {
  const f = new Float64Array(n * d);
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += features[i * d + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < d; k++) { f[i * d + k] = features[i * d + k] * inv; mu[k] += f[i * d + k] / n; }
  }
  const picked = new Uint8Array(n);
  const acc = new Float64Array(d);
  const out = new Int32Array(Math.min(m, n));
  for (let t = 0; t < out.length; t++) {
    let best = -1, bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (picked[i]) continue;
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const v = mu[k] - (acc[k] + f[i * d + k]) / (t + 1);
        dist += v * v;
      }
      if (dist < bestDist) { bestDist = dist; best = i; }
    }
    picked[best] = 1;
    out[t] = best;
    for (let k = 0; k < d; k++) acc[k] += f[best * d + k];
  }
  return out;
}

const herdingSelector: GroupSelector = (items, indices, m, ctx) => {
  if (!ctx.embed) throw new Error('herding selection needs features: the strategy must provide PolicyContext.embed');
  const { features, dim } = ctx.embed(items, indices);
  return Int32Array.from(herdingOrder(features, indices.length, dim, m), (k) => indices[k]);
};

export function herdingPolicy(): SelectionPolicy {
  let seen = new Map<number, number>();
  return {
    name: 'herding', classBalanced: true,
    afterTask: (store, items, ctx) => rebalance(store, items, (y) => y, herdingSelector, true, ctx),
    // Online there is no class mean yet: examples enter through the class-balanced reservoir.
    observe: (store, items, i, ctx) => observeBalanced(store, items, i, items.labels[i], seen, ctx),
    state: () => ({ seen: seenToJson(seen) }),
    loadState: (s) => { seen = seenFromJson(s.seen, 'herding policy state'); },
  };
}
