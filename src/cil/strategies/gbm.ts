// GBM (docs/methods-cil.md §2): the encoder (and its binarizer: the sign STE at an MLP's latent layer, the
// ResNet backbone's BN + Heaviside/thermometer after pooling, or the FBNN's natively binary
// bottleneck) is trained on the base task and frozen; one Bernoulli mixture per class is fitted on its binary
// training embeddings; every minibatch of a new task mixes the new classes' real embeddings with
// class-balanced pseudo-embeddings sampled fresh from the mixtures. No exemplars are stored: the
// memory is the mixture parameters. Built on the latent-replay slot with GBM as its source, so GBM
// and binary latent replay differ only in what fills the slot.
import type { StrategyEntry } from '../strategy.js';
import { latentReplay } from './latentReplay.js';
import { replayRatioField, type ReplayRatio } from '../replayRatio.js';

export interface GbmOptions {
  layer: number;
  components: number;
  precision: 'f32' | 'u8' | 'u4';
  restarts: number;
  replayBatch: number | null;
  replayRatio: ReplayRatio;
  lossBalance: number | null;
}

export const gbm: StrategyEntry<GbmOptions> = {
  description: 'GBM: frozen binary encoder + per-class Bernoulli mixtures generating pseudo-embeddings (no exemplars)',
  options: {
    layer: { kind: 'number', int: true, min: 0, default: 1, help: 'hidden layers in the frozen binary encoder (0: the binary input of a binary-mlp)' },
    components: { kind: 'number', int: true, min: 1, default: 3, help: 'mixture components K per class' },
    precision: { kind: 'string', enum: ['f32', 'u8', 'u4'], default: 'u8', help: 'stored precision of the prototypes μ and weights π' },
    restarts: { kind: 'number', int: true, min: 1, default: 3, help: 'EM restarts per class (best log-likelihood kept)' },
    replayBatch: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'pseudo-embeddings per minibatch (null: set by replayRatio)' },
    replayRatio: replayRatioField('classes'),
    lossBalance: { kind: 'number', min: 0, max: 1, nullable: true, default: null, help: 'λ of λ·CE(new) + (1−λ)·CE(replay)' },
  },
  create: (o) => {
    const inner = latentReplay.create({
      layer: o.layer, format: 'binary', source: 'gbm', policy: 'class-balanced', replayBatch: o.replayBatch, lossBalance: o.lossBalance,
      sourceConfig: { components: o.components, precision: o.precision, restarts: o.restarts }, replayRatio: o.replayRatio,
    });
    return {
      ...inner,
      name: 'gbm',
      defaults: () => [
        'encoder + binarizer frozen after the first task (batch-norm statistics included); only the layers above the latent train afterwards',
        `K = ${o.components} components per class, ${o.precision} prototypes, EM best of ${o.restarts} restart(s), ≤ 100 iterations, ε = 1e-4`,
        `pseudo-embeddings sampled fresh every minibatch, classes uniform, ${o.replayBatch !== null ? `N_old = ${o.replayBatch}` : o.replayRatio === 'classes' ? 'N_old = B·|C_old|/|C_new| ≤ 4B (§2.6 default)' : 'N_old = B'}`,
      ],
    };
  },
};
