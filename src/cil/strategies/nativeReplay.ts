// Native replay (experience replay on images): a bit-budgeted buffer of pixels at a chosen bit depth
// feeds the network input; the whole network keeps training. Each minibatch of new samples is joined
// by an equal number of replayed ones (docs/methods-cil.md §3.5: half/half), optionally loss-balanced (§3.4).
// With training.augment, replayed images are augmented like the current ones (images can be; latents cannot).
import { concat } from '../../engine/ops/index.js';
import { pixelCodec } from '../buffer/index.js';
import { POLICY_NAMES } from '../buffer/index.js';
import { balancedCrossEntropy } from '../lossBalancing.js';
import { toInput } from '../samples.js';
import type { StrategyEntry } from '../strategy.js';
import { replayRatioField, replayCount, type ReplayRatio } from '../replayRatio.js';
import { itemsOf, ReplayBuffer } from './replayBuffer.js';

export interface NativeReplayOptions {
  policy: string;
  pixelBits: number;
  replayBatch: number | null;
  replayRatio: ReplayRatio;
  lossBalance: number | null;
}

export const nativeReplay: StrategyEntry<NativeReplayOptions> = {
  description: 'native (image) replay from a bit-budgeted buffer; pixels stored at pixelBits bits',
  options: {
    policy: { kind: 'string', enum: POLICY_NAMES, default: 'class-balanced', help: 'buffer selection policy' },
    pixelBits: { kind: 'number', int: true, min: 1, max: 8, default: 8, help: 'bits per stored pixel' },
    replayBatch: { kind: 'number', int: true, min: 1, nullable: true, default: null, help: 'replayed samples per minibatch (null: set by replayRatio)' },
    replayRatio: replayRatioField('batch'),
    lossBalance: { kind: 'number', min: 0, max: 1, nullable: true, default: null, help: 'λ of λ·CE(new) + (1−λ)·CE(replay); null: one CE over the joined batch' },
  },
  create: (o) => {
    let buf: ReplayBuffer;
    let newClasses = 1;
    return {
      name: 'native-replay', split: null,
      setup: (learner, bits) => { buf = new ReplayBuffer('native-replay', pixelCodec(learner.options.inputDim, o.pixelBits), bits, learner.numClasses, o.policy, learner.classes); },
      beforeTask: (_learner, task) => { newClasses = new Set(task.y).size; },
      loss: (learner, batch) => {
        const B = batch.units.length;
        if (buf.count === 0) return balancedCrossEntropy(learner.net.forward(batch.x), batch.units, B, null);
        const idx = buf.draw(replayCount(o.replayRatio, o.replayBatch, B, learner.seenClasses - newClasses, newClasses), learner);
        const dim = batch.samples.dim;
        const px = new Uint8Array(idx.length * dim);
        const labels = new Int32Array(idx.length);
        idx.forEach((slot, j) => { buf.store.read(slot, px, j * dim); labels[j] = buf.store.label(slot); });
        const x = concat([batch.x, toInput(learner.augment(px, idx.length), idx.length, dim)], 0);
        const units = new Int32Array(B + idx.length);
        units.set(batch.units); units.set(learner.unitsOf(labels), B);
        return balancedCrossEntropy(learner.net.forward(x), units, B, o.lossBalance);
      },
      afterTask: (learner, task) => {
        buf.policy.afterTask(buf.store, itemsOf(task), buf.context(learner, (_items, idx) => ({ features: learner.embed(task, idx), dim: learner.net.featureDim })));
      },
      observeOne: (learner, ex) => buf.policy.observe(buf.store, itemsOf(ex), 0, buf.context(learner)),
      bufferBits: () => buf.memoryBits(),
      defaults: () => [o.replayRatio === 'batch' ? 'replay minibatch half new / half buffer (§3.5 default)' : 'replayed per minibatch: B·|C_old|/|C_new| ≤ 4B (§2.6)', `pixels stored at ${o.pixelBits} bits`],
      state: () => buf.state(),
      loadState: (s) => buf.loadState(s),
    };
  },
};
