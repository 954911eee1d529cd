// FeTrIL (Petit et al., "FeTrIL: Feature Translation for Exemplar-Free Class-Incremental Learning",
// WACV 2023; docs/methods-cil.md §6.3). The encoder is frozen after the base task and only class
// means are kept. At each step, every old class c gets pseudo-features by translating the real
// features of the new class n* nearest to it (Euclidean distance between means; the paper's FeTrIL¹
// choice) onto its own mean: f̂ = f + μ_c − μ_{n*}. A linear classifier over all seen classes is then
// trained from scratch on the new real features and the pseudo-features of every old class (the
// paper uses a linear SVM; here the study's one softmax classifier, same settings as every method).
import type { FeatureMethod, FeatureMethodEntry } from '../method.js';
import type { FeatureSet } from '../featureCache.js';
import { gatherRows, LinearClassifier } from '../linearClassifier.js';
import { classMeans, rowsByClass } from './classStats.js';

export type FetrilOptions = Record<string, never>;

/** For each old class, the new class whose mean is nearest to its mean (ties: lowest id). */
export function nearestNewClass(oldMeans: ReadonlyMap<number, Float32Array>, newMeans: ReadonlyMap<number, Float32Array>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [c, mc] of oldMeans) {
    let best = -1, bestD = Infinity;
    for (const [n, mn] of newMeans) {
      let d = 0;
      for (let k = 0; k < mc.length; k++) { const t = mc[k] - mn[k]; d += t * t; }
      if (d < bestD || (d === bestD && n < best)) { bestD = d; best = n; }
    }
    out.set(c, best);
  }
  return out;
}

/**
 * FeTrIL's training set for one step: the step's real features with their labels, then for every old
 * class c (in id order) the features of its nearest new class n* translated by μ_c − μ_{n*}, labelled c.
 */
export function fetrilTrainingSet(data: FeatureSet, oldMeans: ReadonlyMap<number, Float32Array>, newMeans = classMeans(data.x, data.y, data.dim)): FeatureSet {
  const dim = data.dim;
  const byClass = rowsByClass(data.y);
  const source = nearestNewClass(oldMeans, newMeans);
  let n = data.n;
  for (const [, s] of source) n += byClass.get(s)!.length;
  const x = new Float32Array(n * dim), y = new Int32Array(n);
  x.set(data.x.subarray(0, data.n * dim)); y.set(data.y.subarray(0, data.n));
  let o = data.n;
  for (const [c, s] of [...source].sort((a, b) => a[0] - b[0])) {
    const mc = oldMeans.get(c)!, ms = newMeans.get(s)!;
    for (const i of byClass.get(s)!) {
      for (let k = 0; k < dim; k++) x[o * dim + k] = data.x[i * dim + k] + mc[k] - ms[k];
      y[o++] = c;
    }
  }
  return { x, y, n, dim };
}

export const fetril: FeatureMethodEntry<FetrilOptions> = {
  description: 'FeTrIL: old classes as new-class features translated to the old means; linear classifier retrained per step',
  options: {},
  create: (_o, dim): FeatureMethod => {
    const means = new Map<number, Float32Array>();
    const clf = new LinearClassifier(dim);
    return {
      name: 'fetril',
      learnStep: (data, ctx) => {
        const newMeans = classMeans(data.x, data.y, dim);
        const set = fetrilTrainingSet(data, means, newMeans);
        clf.addClasses(ctx.seenClasses, ctx.rng);
        clf.reset(ctx.rng);
        clf.train(set.n, (idx) => gatherRows(set.x, set.y, dim, idx), ctx.classifier, ctx.rng);
        for (const [c, m] of newMeans) means.set(c, m);
      },
      predict: (x, n) => clf.predict(x, n),
      memory: () => ({ means: means.size * dim * 32 }),
      classifierBits: () => clf.bits(),
      describe: () => `FeTrIL (nearest new class, linear classifier retrained per step) on ${dim} float features`,
    };
  },
};
