// iCaRL (Rebuffi et al. 2017): exemplars chosen by herding (bit-budgeted, pixels at pixelBits), training
// on new data + exemplars with sigmoid BCE whose old-class targets are the previous model's outputs
// (distillation), and classification by the nearest mean of exemplars (NME) in the L2-normalised
// feature space. Kept between tasks: exemplars (buffer), previous model and class means (auxiliary).
import { noGrad } from '../../engine/tensor.js';
import { base64ToF32, f32ToBase64 } from '../../engine/serialize.js';
import { pixelCodec } from '../buffer/index.js';
import type { Learner } from '../learner.js';
import { bceWithLogits } from '../losses.js';
import type { CilNet } from '../model.js';
import { concatSamples } from '../samples.js';
import type { StrategyEntry } from '../strategy.js';
import { itemsOf, ReplayBuffer } from './replayBuffer.js';

export interface IcarlOptions { pixelBits: number }

function normalizeRows(f: Float32Array, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += f[i * d + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < d; k++) f[i * d + k] *= inv;
  }
}

export const icarl: StrategyEntry<IcarlOptions> = {
  description: 'iCaRL: herding exemplars, BCE + distillation, nearest-mean-of-exemplars classifier',
  options: {
    pixelBits: { kind: 'number', int: true, min: 1, max: 8, default: 8, help: 'bits per stored exemplar pixel' },
  },
  create: (o) => {
    let buf: ReplayBuffer;
    let teacher: CilNet | null = null;
    /** Class means (unit order), seen × featureDim, L2-normalised. */
    let means: Float32Array | null = null;

    const computeMeans = (learner: Learner): void => {
      const ex = buf.asSamples();
      const D = learner.net.featureDim, C = learner.seenClasses;
      const f = learner.embed(ex);
      normalizeRows(f, ex.n, D);
      const m = new Float32Array(C * D), cnt = new Float64Array(C);
      const units = learner.unitsOf(ex.y);
      for (let i = 0; i < ex.n; i++) { cnt[units[i]]++; for (let k = 0; k < D; k++) m[units[i] * D + k] += f[i * D + k]; }
      for (let c = 0; c < C; c++) if (cnt[c] > 0) for (let k = 0; k < D; k++) m[c * D + k] /= cnt[c];
      normalizeRows(m, C, D);
      means = m;
    };

    return {
      name: 'icarl', split: null,
      setup: (learner, bits) => { buf = new ReplayBuffer('icarl', pixelCodec(learner.options.inputDim, o.pixelBits), bits, learner.numClasses, 'herding'); },
      trainingData: (_l, task) => (buf.count ? concatSamples([buf.asSamples(), task]) : task),
      loss: (learner, batch) => {
        const logits = learner.net.forward(batch.x);
        const [B, C] = logits.shape;
        const t = new Float32Array(B * C);
        if (teacher) {
          const tc = teacher;
          const tl = noGrad(() => tc.forward(batch.x)).f32;
          const K = tc.head.outputs;
          for (let b = 0; b < B; b++) for (let c = 0; c < K; c++) t[b * C + c] = 1 / (1 + Math.exp(-tl[b * K + c]));
        }
        for (let b = 0; b < B; b++) {
          const u = batch.units[b];
          // New-class targets are one-hot; old-class targets are the teacher's outputs (distillation), also for exemplars.
          const old = teacher ? teacher.head.outputs : 0;
          for (let c = old; c < C; c++) t[b * C + c] = c === u ? 1 : 0;
        }
        return bceWithLogits(logits, t);
      },
      afterTask: (learner, task) => {
        buf.policy.afterTask(buf.store, itemsOf(task), buf.context(learner, (_items, idx) => ({ features: learner.embed(task, idx), dim: learner.net.featureDim })));
        teacher = learner.net.frozenCopy();
        computeMeans(learner);
      },
      predict: (learner, x) => {
        const D = learner.net.featureDim;
        const f = noGrad(() => learner.net.features(learner.net.latent(x))).f32.slice();
        const n = x.shape[0];
        if (!means) throw new Error('icarl: no class means yet (predict before the first task ended)');
        normalizeRows(f, n, D);
        const C = means.length / D;
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          let best = 0, bestDot = -Infinity;
          for (let c = 0; c < C; c++) {
            let dot = 0;
            for (let k = 0; k < D; k++) dot += f[i * D + k] * means[c * D + k];
            if (dot > bestDot) { bestDot = dot; best = c; }
          }
          out[i] = best;
        }
        return out;
      },
      auxiliaryBits: (learner, classes) => {
        const meanBits = classes * learner.net.featureDim * 32;
        if (teacher) return teacher.parameterBits() + meanBits;
        return classes === learner.numClasses ? learner.net.bitsWithClasses(classes) + meanBits : 0;
      },
      bufferBits: () => buf.memoryBits(),
      defaults: () => ['exemplar pixels at ' + o.pixelBits + ' bits', 'no data augmentation', 'class means from exemplars only (no flipped copies)'],
      state: () => ({ buffer: buf.state(), means: means ? f32ToBase64(means) : null }),
      loadState: (s, learner) => {
        const st = s as { buffer: unknown; means: string | null };
        buf.loadState(st.buffer);
        teacher = learner.tasksLearned > 0 ? learner.net.frozenCopy() : null;
        means = st.means === null ? null : base64ToF32(st.means, learner.seenClasses * learner.net.featureDim, 'icarl class means');
      },
    };
  },
};
