// Latent replay (docs/methods-cil.md §3.5): the encoder (hidden layers up to `layer`) is trained on the
// first task and then frozen (a pre-trained encoder is frozen from the start); a LatentSource (stored float/binary latents, or a generator such as
// GBM) replays old classes at the encoder output, and only the layers above it keep training.
import { concat } from '../../engine/ops/index.js';
import { noGrad, Tensor } from '../../engine/tensor.js';
import { POLICY_NAMES } from '../buffer/index.js';
import type { LatentSource } from '../latentSource.js';
import { createLatentSource, LATENT_SOURCES } from '../latentSources/index.js';
import type { Learner } from '../learner.js';
import { balancedCrossEntropy } from '../lossBalancing.js';
import type { Samples } from '../samples.js';
import type { StrategyEntry } from '../strategy.js';
import { replayRatioField, replayCount, type ReplayRatio } from '../replayRatio.js';

export interface LatentReplayOptions {
  layer: number;
  format: 'float' | 'binary';
  source: string;
  policy: string;
  replayBatch: number | null;
  lossBalance: number | null;
  /** Settings passed to the latent source (GBM: components, precision). */
  sourceConfig?: Record<string, unknown>;
  /** Old-class latents per minibatch when replayBatch is null (replayRatio.ts). */
  replayRatio: ReplayRatio;
}

/** Encoder outputs of all samples (eval mode, no gradients). */
function latentsOf(learner: Learner, s: Samples): Float32Array {
  const D = learner.net.latentDim;
  const out = new Float32Array(s.n * D);
  noGrad(() => {
    for (let o = 0; o < s.n; o += 1000) {
      const idx = Int32Array.from({ length: Math.min(1000, s.n - o) }, (_, j) => o + j);
      out.set(learner.net.latent(learner.batchOf(s, idx).x).f32, o * D);
    }
  });
  return out;
}

export const latentReplay: StrategyEntry<LatentReplayOptions> = {
  description: 'latent replay: frozen encoder after task 0, replay at a hidden layer (float or binary latents)',
  options: {
    layer: { kind: 'number', int: true, min: 0, default: 1, help: 'hidden layers in the frozen encoder (latent point; 0: the binary input of a binary-mlp)' },
    format: { kind: 'string', enum: ['float', 'binary'], default: 'binary', help: 'latent storage: float32 or 1 bit (sign activation at the latent layer)' },
    source: { kind: 'string', default: 'buffer', help: `latent source (${Object.keys(LATENT_SOURCES).join(', ')})` },
    policy: { kind: 'string', enum: POLICY_NAMES, default: 'class-balanced', help: 'buffer selection policy (buffer source)' },
    replayBatch: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'replayed latents per minibatch (null: set by replayRatio)' },
    replayRatio: replayRatioField('batch'),
    lossBalance: { kind: 'number', min: 0, max: 1, nullable: true, default: null, help: 'λ of λ·CE(new) + (1−λ)·CE(replay)' },
  },
  create: (o) => {
    let source: LatentSource;
    let newClasses = 1;
    /** Latents of the current task's samples while the encoder is frozen (null: compute per batch). */
    let cache: Float32Array | null = null;
    return {
      name: 'latent-replay', split: { layer: o.layer, format: o.format },
      setup: (learner, bits) => {
        source = createLatentSource(o.source, { dim: learner.net.latentDim, format: o.format, bits, numClasses: learner.numClasses, classes: learner.classes, policy: o.policy, config: o.sourceConfig });
      },
      beforeTask: (learner, task) => {
        newClasses = new Set(task.y).size;
        // A pre-trained encoder is frozen from the first task on (FBNN-ER's LR: only the classifier retrains).
        if (learner.encoderPretrained && !learner.net.encoderFrozen) {
          learner.net.freezeEncoder();
          learner.optimizer = null;
        }
        // A frozen encoder maps each image to one latent: computed once per task instead of once per epoch.
        cache = learner.net.encoderFrozen ? latentsOf(learner, task) : null;
      },
      loss: (learner, batch) => {
        const B = batch.units.length, net = learner.net, D = net.latentDim;
        let zNew: Tensor;
        if (cache && !batch.augmented) {
          const rows = new Float32Array(B * D), c = cache;
          batch.indices.forEach((i, j) => rows.set(c.subarray(i * D, (i + 1) * D), j * D));
          zNew = new Tensor(rows, [B, D]);
        } else zNew = net.latent(batch.x);
        if (source.size() === 0) return balancedCrossEntropy(net.logits(net.features(zNew)), batch.units, B, null);
        const r = source.sample(replayCount(o.replayRatio, o.replayBatch, B, learner.seenClasses - newClasses, newClasses), learner.rng);
        const z = concat([zNew.detach(), new Tensor(r.latents, [r.labels.length, D])], 0);
        const units = new Int32Array(B + r.labels.length);
        units.set(batch.units); units.set(learner.unitsOf(r.labels), B);
        return balancedCrossEntropy(net.logits(net.features(z)), units, B, o.lossBalance);
      },
      afterTask: (learner, task) => {
        if (!learner.net.encoderFrozen) {
          learner.net.freezeEncoder();
          // Its slots cover the encoder too; the next task builds a fresh one over the trainable part.
          learner.optimizer = null;
        }
        const z = cache ?? latentsOf(learner, task);
        cache = null;
        const D = learner.net.latentDim;
        source.addClasses(z, task.y, {
          rng: learner.rng, taskIndex: learner.tasksLearned,
          embed: (items, idx) => {
            const rows = new Float32Array(idx.length * D);
            idx.forEach((i, j) => rows.set((items.values as Float32Array).subarray(i * D, (i + 1) * D), j * D));
            const f = noGrad(() => learner.net.features(new Tensor(rows, [idx.length, D])));
            return { features: f.f32, dim: learner.net.featureDim };
          },
        });
      },
      bufferBits: () => (source.memoryKind === 'buffer' ? source.memoryBits() : 0),
      generatorBits: () => (source.memoryKind === 'generator' ? source.memoryBits() : 0),
      defaults: () => ['encoder frozen after the first task', o.replayRatio === 'batch' ? 'replay minibatch half new / half replayed (§3.5 default)' : 'replayed per minibatch: B·|C_old|/|C_new| ≤ 4B (§2.6)'],
      state: () => source.state(),
      loadState: (s) => source.loadState(s),
    };
  },
};
