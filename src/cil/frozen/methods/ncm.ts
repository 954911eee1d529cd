// NCM / prototype classifier on the frozen float features (the "SimpleCIL" baseline: Zhou et al.,
// "Revisiting class-incremental learning with pre-trained models", 2023; docs/methods-cil.md §6.2):
// one mean per class, prediction by the highest cosine similarity between the feature and the means.
// Training-free after the base task; it keeps C · dim float32 values.
import type { FeatureMethod, FeatureMethodEntry } from '../method.js';
import { classMeans } from './classStats.js';

export interface NcmOptions { metric: 'cosine' | 'euclidean' }

/** Index of the best mean for one row (cosine: largest x·μ/‖μ‖, x's own norm does not change the order). */
export function nearestMean(row: Float32Array, means: readonly Float32Array[], norms: readonly number[], metric: NcmOptions['metric']): number {
  let best = 0, bestScore = -Infinity;
  for (let k = 0; k < means.length; k++) {
    const m = means[k];
    let score = 0;
    if (metric === 'cosine') {
      for (let d = 0; d < row.length; d++) score += row[d] * m[d];
      score /= norms[k] || 1;
    } else {
      for (let d = 0; d < row.length; d++) { const t = row[d] - m[d]; score -= t * t; }
    }
    if (score > bestScore) { bestScore = score; best = k; }
  }
  return best;
}

export const ncm: FeatureMethodEntry<NcmOptions> = {
  description: 'nearest class mean on the frozen float features (SimpleCIL prototype classifier)',
  options: {
    metric: { kind: 'string', enum: ['cosine', 'euclidean'], default: 'cosine', help: 'similarity to the class means' },
  },
  create: (o, dim): FeatureMethod => {
    const means = new Map<number, Float32Array>();
    let ids: number[] = [], list: Float32Array[] = [], norms: number[] = [];
    return {
      name: 'ncm',
      learnStep: (data) => {
        for (const [c, m] of classMeans(data.x, data.y, dim)) means.set(c, m);
        ids = [...means.keys()]; list = ids.map((c) => means.get(c)!);
        norms = list.map((m) => Math.sqrt(m.reduce((s, v) => s + v * v, 0)));
      },
      predict: (x, n) => Int32Array.from({ length: n }, (_, i) => ids[nearestMean(x.subarray(i * dim, (i + 1) * dim), list, norms, o.metric)]),
      memory: () => ({ means: means.size * dim * 32 }),
      classifierBits: () => 0,
      describe: () => `NCM (${o.metric}) on ${dim} float features`,
    };
  },
};
