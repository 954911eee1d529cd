// Loss balancing between current-task and replayed samples (FBNN-ER, docs/methods-cil.md §3.4, default form):
//   L = λ · mean CE(B_new) + (1 − λ) · mean CE(B_replay)
// λ = 0.5 weighs old and new equally whatever their counts. With λ = null the minibatch is one
// concatenated cross-entropy (standard experience replay), which weighs each sample equally.
import { crossEntropy } from '../engine/ops/loss.js';
import { mul, sum } from '../engine/ops/index.js';
import { Tensor } from '../engine/tensor.js';

/** Cross-entropy of `logits` whose first `nNew` rows are current-task samples and the rest replayed ones. */
export function balancedCrossEntropy(logits: Tensor, units: Int32Array, nNew: number, lambda: number | null): Tensor {
  const N = logits.shape[0], nReplay = N - nNew;
  if (lambda === null || nReplay === 0 || nNew === 0) return crossEntropy(logits, units);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`lossBalance λ must be in [0, 1], got ${lambda}`);
  const w = new Float32Array(N);
  for (let i = 0; i < N; i++) w[i] = i < nNew ? lambda / nNew : (1 - lambda) / nReplay;
  return sum(mul(crossEntropy(logits, units, { reduction: 'none' }), new Tensor(w, [N])));
}
