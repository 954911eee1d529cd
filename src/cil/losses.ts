// Losses used by the distillation baselines, as fused custom ops (one pass forward, closed-form backward).
import { customOp, type Tensor } from '../engine/tensor.js';

/**
 * Σ_c BCE(sigmoid(x_bc), t_bc) averaged over the batch (iCaRL's classification + distillation loss).
 * Stable form: max(x, 0) − x·t + log(1 + e^−|x|); gradient (σ(x) − t) / B.
 */
export function bceWithLogits(logits: Tensor, targets: Float32Array): Tensor {
  if (logits.rank !== 2 || targets.length !== logits.size) throw new RangeError(`bceWithLogits: ${targets.length} targets for logits of shape [${logits.shape.join(', ')}]`);
  const B = logits.shape[0];
  return customOp('bceWithLogits', [logits], [],
    ([X]) => {
      let s = 0;
      for (let i = 0; i < X.length; i++) { const x = X[i]; s += Math.max(x, 0) - x * targets[i] + Math.log1p(Math.exp(-Math.abs(x))); }
      return Float32Array.of(s / B);
    },
    (gy, [X]) => {
      const g = new Float32Array(X.length);
      for (let i = 0; i < X.length; i++) g[i] = (gy[0] * (1 / (1 + Math.exp(-X[i])) - targets[i])) / B;
      return [g];
    });
}

function softmaxRow(src: ArrayLike<number>, off: number, n: number, scale: number, out: Float64Array): void {
  let m = -Infinity;
  for (let c = 0; c < n; c++) m = Math.max(m, src[off + c] * scale);
  let s = 0;
  for (let c = 0; c < n; c++) { out[c] = Math.exp(src[off + c] * scale - m); s += out[c]; }
  for (let c = 0; c < n; c++) out[c] /= s;
}

/**
 * Knowledge distillation (Hinton et al.; LwF): T² · mean_b KL(softmax(teacher/T) ‖ softmax(student[:, :K]/T)),
 * up to the teacher's entropy (a constant), over the teacher's K outputs = the first K student units.
 */
export function distillation(student: Tensor, teacher: Tensor, T: number): Tensor {
  const [B, C] = student.shape, K = teacher.shape[1];
  if (teacher.shape[0] !== B || K > C) throw new RangeError(`distillation: teacher [${teacher.shape.join(', ')}] does not fit student [${student.shape.join(', ')}]`);
  const pt = new Float64Array(B * K), ps = new Float64Array(B * K);
  const row = new Float64Array(K);
  const Tt = teacher.f32;
  for (let b = 0; b < B; b++) { softmaxRow(Tt, b * K, K, 1 / T, row); pt.set(row, b * K); }
  return customOp('distillation', [student], [],
    ([S]) => {
      let loss = 0;
      for (let b = 0; b < B; b++) {
        softmaxRow(S, b * C, K, 1 / T, row);
        ps.set(row, b * K);
        for (let c = 0; c < K; c++) loss -= pt[b * K + c] * Math.log(Math.max(row[c], 1e-30));
      }
      return Float32Array.of((T * T * loss) / B);
    },
    (gy) => {
      const g = new Float32Array(B * C);
      for (let b = 0; b < B; b++) for (let c = 0; c < K; c++) g[b * C + c] = (gy[0] * T * (ps[b * K + c] - pt[b * K + c])) / B;
      return [g];
    });
}
