// GBM and binary latent replay on a frozen encoder (docs/methods-cil.md §2, §6.6). Both put a feature
// binarizer (batch norm + Heaviside with learnable thresholds, straight-through gradients) on the
// frozen float features; it is trained with the classifier on the base task and then frozen, so the
// float backbone and the float-feature baselines are the same network (no baseline pays for the
// binary bottleneck). Afterwards the classifier reads D-bit codes and keeps training at every step on
// the new classes' codes plus replayed old-class codes:
//   gbm           — codes sampled fresh every minibatch from per-class Bernoulli mixtures (K
//                   components, u8/u4/f32 prototypes), no exemplars kept;
//   latent-replay — stored codes of real samples, class-balanced, at the same bits per class as
//                   GBM's mixtures (D + label bits each), so the two differ only in what they keep.
// Both replay the same number of old-class codes per minibatch (replayRatio.ts), so a ratio effect
// is an explicit ablation row, not a hidden difference.
import { packSignRows, unpackSignRows } from '../../../engine/bits.js';
import { bmmMemoryBits, type Precision } from '../../../bmm/memory.js';
import type { Rng } from '../../../engine/random.js';
import { noGrad, Tensor } from '../../../engine/tensor.js';
import { Binarizer } from '../../../gbm/binarizers.js';
import { GenerativeMemory } from '../../../gbm/generativeMemory.js';
import { labelBits } from '../../budget.js';
import { replayCount, replayRatioField, type ReplayRatio } from '../../replayRatio.js';
import type { FeatureMethod, FeatureMethodEntry } from '../method.js';
import { gatherRows, joinBatches, LinearClassifier, type FeatureBatch } from '../linearClassifier.js';
import { rowsByClass } from './classStats.js';

export interface BinaryReplayOptions {
  components: number;
  precision: Precision;
  restarts: number;
  replayRatio: ReplayRatio;
}

/** What replays old-class codes: GBM's mixtures or a buffer of stored codes. */
interface CodeSource {
  add(codes: Float32Array, y: Int32Array, rng: Rng): void;
  sample(n: number, rng: Rng): FeatureBatch;
  classes(): number;
  memory(): Record<string, number>;
}

function gbmSource(D: number, o: BinaryReplayOptions): CodeSource {
  const mem = new GenerativeMemory({ components: o.components, precision: o.precision, restarts: o.restarts });
  return {
    add: (codes, y, rng) => {
      for (const [c, rows] of [...rowsByClass(y)].sort((a, b) => a[0] - b[0])) {
        mem.fitClass(c, { data: packSignRows(gatherRows(codes, y, D, rows).x, rows.length, D), rows: rows.length, bits: D }, rng);
      }
    },
    sample: (n, rng) => { const s = mem.sample(n, rng); return { x: unpackSignRows(s.codes.data, n, D), y: s.labels, n }; },
    classes: () => mem.classes.length,
    memory: () => ({ generator: mem.memoryBits() }),
  };
}

/** Stored codes, `perClass` per class (drawn at random from the class's training codes). */
function bufferSource(D: number, perClass: number, bitsPerCode: number): CodeSource {
  const stored: { x: Float32Array; y: number }[] = [];
  const byClass = new Map<number, number[]>();
  return {
    add: (codes, y, rng) => {
      for (const [c, rows] of [...rowsByClass(y)].sort((a, b) => a[0] - b[0])) {
        const pick = rng.permutation(rows.length).subarray(0, Math.min(perClass, rows.length));
        const slots: number[] = [];
        for (const k of pick) { slots.push(stored.length); stored.push({ x: codes.slice(rows[k] * D, (rows[k] + 1) * D), y: c }); }
        byClass.set(c, slots);
      }
    },
    // Classes uniform, then a stored code of the class uniform: the same class balance as GBM's sampler.
    sample: (n, rng) => {
      const ids = [...byClass.keys()];
      const x = new Float32Array(n * D), y = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const slots = byClass.get(ids[rng.int(ids.length)])!;
        const s = stored[slots[rng.int(slots.length)]];
        x.set(s.x, j * D); y[j] = s.y;
      }
      return { x, y, n };
    },
    classes: () => byClass.size,
    memory: () => ({ buffer: stored.length * bitsPerCode }),
  };
}

function binaryReplayEntry(kind: 'gbm' | 'latent-replay', description: string): FeatureMethodEntry<BinaryReplayOptions> {
  return {
    description,
    options: {
      components: { kind: 'number', int: true, min: 1, default: 3, help: 'GBM mixture components K per class (latent replay: sets its equal bits per class)' },
      precision: { kind: 'string', enum: ['f32', 'u8', 'u4'], default: 'u8', help: 'GBM prototype precision (latent replay: sets its equal bits per class)' },
      restarts: { kind: 'number', int: true, min: 1, default: 3, help: 'EM restarts per class' },
      replayRatio: replayRatioField('classes'),
    },
    create: (o, dim): FeatureMethod => {
      const binarizer = new Binarizer({ kind: 'heaviside', features: dim });
      const D = binarizer.bits;
      const clf = new LinearClassifier(D);
      let source: CodeSource | null = null;
      let codesPerClass = 0;
      const encode = (x: Float32Array, n: number): Float32Array => {
        const out = new Float32Array(n * D);
        noGrad(() => {
          for (let i = 0; i < n; i += 2000) {
            const m = Math.min(2000, n - i);
            out.set(binarizer.forward(new Tensor(x.subarray(i * dim, (i + m) * dim), [m, dim])).f32, i * D);
          }
        });
        return out;
      };
      const gbmBitsPerClass = bmmMemoryBits(o.components, D, o.precision);
      return {
        name: kind,
        learnStep: (data, ctx) => {
          clf.addClasses(ctx.newClasses, ctx.rng);
          if (ctx.step === 0) {
            // Base task: binarizer and classifier learn together on the float features, then the binarizer freezes.
            clf.train(data.n, (idx) => gatherRows(data.x, data.y, dim, idx), ctx.classifier, ctx.rng, (x) => binarizer.forward(x), binarizer);
            binarizer.eval();
            const perCode = D + labelBits(ctx.numClasses);
            codesPerClass = Math.max(1, Math.floor(gbmBitsPerClass / perCode));
            source = kind === 'gbm' ? gbmSource(D, o) : bufferSource(D, codesPerClass, perCode);
          } else {
            const codes = encode(data.x, data.n), src = source!;
            const oldClasses = ctx.seenClasses.length - ctx.newClasses.length;
            clf.train(data.n, (idx) => {
              const b = gatherRows(codes, data.y, D, idx);
              return joinBatches(b, src.sample(replayCount(o.replayRatio, null, b.n, oldClasses, ctx.newClasses.length), ctx.rng));
            }, ctx.classifier, ctx.rng);
          }
          source!.add(encode(data.x, data.n), data.y, ctx.rng);
        },
        predict: (x, n) => clf.predict(encode(x, n), n),
        // The frozen binarizer deploys as one threshold and one sign bit per feature (batch norm folded).
        memory: () => ({ ...source?.memory(), thresholds: dim * 33 }),
        classifierBits: () => clf.bits(),
        describe: () => `${kind === 'gbm' ? `GBM K = ${o.components}, ${o.precision}` : `binary latent replay, ${codesPerClass} codes/class (GBM K = ${o.components} ${o.precision} bits)`}, replay ratio '${o.replayRatio}', heaviside binarizer ${dim} → ${D} bits`,
      };
    },
  };
}

export const gbmFrozen = binaryReplayEntry('gbm', 'GBM: frozen binarizer + per-class Bernoulli mixtures generating pseudo-codes (no exemplars)');
export const latentReplayFrozen = binaryReplayEntry('latent-replay', 'binary latent replay: stored 1-bit codes at GBM\'s bits per class, same replay ratio');
