// Linear probe: softmax regression (float weights, Adam, full-batch epochs) on frozen latents, scored
// on held-out latents. It measures how linearly separable — how transferable — a representation is,
// independently of the binary classifier used in deployment.
import { argmax, crossEntropy, linear } from '../engine/ops/index.js';
import { Adam } from '../engine/optim/adam.js';
import { Rng } from '../engine/random.js';
import { noGrad, Tensor } from '../engine/tensor.js';
import { initialize } from '../engine/init.js';

export interface ProbeOptions { epochs?: number; lr?: number; batchSize?: number; seed?: number }

/** Test accuracy of a softmax-regression probe trained on (trainZ, trainY); D values per row. */
export function linearProbe(trainZ: Float32Array, trainY: Int32Array, testZ: Float32Array, testY: Int32Array, D: number, o: ProbeOptions = {}): number {
  if (trainZ.length !== trainY.length * D || testZ.length !== testY.length * D) throw new RangeError(`linearProbe: latents do not hold ${D} values per label`);
  if (trainY.length === 0 || testY.length === 0) throw new RangeError('linearProbe: needs training and test samples');
  const classes = [...new Set([...trainY, ...testY])].sort((a, b) => a - b);
  const unit = new Map(classes.map((c, i) => [c, i]));
  const C = classes.length, rng = new Rng(o.seed ?? 1), B = o.batchSize ?? 128;
  const W = initialize([C, D], { kind: 'zeros' }), b = initialize([C], { kind: 'zeros' });
  const opt = new Adam([W, b], { lr: o.lr ?? 1e-2 });
  const n = trainY.length;
  for (let e = 0; e < (o.epochs ?? 10); e++) {
    const perm = rng.permutation(n);
    for (let s = 0; s < n; s += B) {
      const idx = perm.subarray(s, Math.min(n, s + B)), m = idx.length;
      const x = new Float32Array(m * D);
      idx.forEach((i, j) => x.set(trainZ.subarray(i * D, (i + 1) * D), j * D));
      const loss = crossEntropy(linear(new Tensor(x, [m, D]), W, b), Int32Array.from(idx, (i) => unit.get(trainY[i])!));
      opt.zeroGrad(); loss.backward(); opt.step();
    }
  }
  const pred = argmax(noGrad(() => linear(new Tensor(testZ, [testY.length, D]), W, b)), 1).i32;
  let hit = 0;
  for (let i = 0; i < testY.length; i++) if (pred[i] === unit.get(testY[i])) hit++;
  return hit / testY.length;
}
