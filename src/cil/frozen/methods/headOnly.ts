// The bounds of the frozen-encoder protocol (docs/methods-cil.md §6.5), both on the float features,
// so neither pays for GBM's binarizer:
//   finetune-head — the classifier keeps training on each step's new classes only (lower bound);
//   joint-head    — the classifier is retrained from scratch on the features of every class seen
//                   (upper bound for a frozen encoder; it keeps all those features).
import type { FeatureSet } from '../featureCache.js';
import type { FeatureMethod, FeatureMethodEntry } from '../method.js';
import { gatherRows, LinearClassifier } from '../linearClassifier.js';

export const finetuneHead: FeatureMethodEntry<Record<string, never>> = {
  description: 'lower bound: linear classifier trained on each step\'s new classes only',
  options: {},
  create: (_o, dim): FeatureMethod => {
    const clf = new LinearClassifier(dim);
    return {
      name: 'finetune-head',
      learnStep: (data, ctx) => {
        clf.addClasses(ctx.newClasses, ctx.rng);
        clf.train(data.n, (idx) => gatherRows(data.x, data.y, dim, idx), ctx.classifier, ctx.rng);
      },
      predict: (x, n) => clf.predict(x, n),
      memory: () => ({}),
      classifierBits: () => clf.bits(),
      describe: () => `linear classifier fine-tuned on new classes only, ${dim} float features`,
    };
  },
};

export const jointHead: FeatureMethodEntry<Record<string, never>> = {
  description: 'upper bound: linear classifier retrained on the features of every class seen',
  options: {},
  create: (_o, dim): FeatureMethod => {
    const clf = new LinearClassifier(dim);
    const parts: FeatureSet[] = [];
    let kept = 0;
    return {
      name: 'joint-head',
      learnStep: (data, ctx) => {
        parts.push(data);
        kept += data.n;
        const x = new Float32Array(kept * dim), y = new Int32Array(kept);
        let o = 0;
        for (const p of parts) { x.set(p.x, o * dim); y.set(p.y, o); o += p.n; }
        clf.addClasses(ctx.newClasses, ctx.rng);
        clf.reset(ctx.rng);
        clf.train(kept, (idx) => gatherRows(x, y, dim, idx), ctx.classifier, ctx.rng);
      },
      predict: (x, n) => clf.predict(x, n),
      memory: () => ({ features: kept * dim * 32 }),
      classifierBits: () => clf.bits(),
      describe: () => `linear classifier retrained on all ${dim}-float features seen`,
    };
  },
};
