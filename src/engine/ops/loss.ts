// Softmax family and losses. Cross-entropy is fused with log-softmax for a stable, cheap backward.
import { fmt, ShapeError } from '../shape.js';
import { record, Tensor } from '../tensor.js';

function rowsOf(op: string, x: Tensor): [number, number] {
  if (x.rank !== 2) throw new ShapeError(op, `expects [N, C] logits, got ${fmt(x.shape)}`);
  return [x.shape[0], x.shape[1]];
}

function logSoftmaxRaw(X: Float32Array, N: number, C: number): Float32Array {
  const out = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, X[n * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(X[n * C + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) out[n * C + c] = X[n * C + c] - lse;
  }
  return out;
}

export function logSoftmax(x: Tensor): Tensor {
  const [N, C] = rowsOf('logSoftmax', x);
  const y = logSoftmaxRaw(x.f32, N, C);
  return record('logSoftmax', new Tensor(y, x.shape), [x], (gy) => {
    const g = new Float32Array(y.length);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += gy[n * C + c];
      for (let c = 0; c < C; c++) g[n * C + c] = gy[n * C + c] - Math.exp(y[n * C + c]) * s;
    }
    return [g];
  });
}

export function softmax(x: Tensor): Tensor {
  const [N, C] = rowsOf('softmax', x);
  const y = logSoftmaxRaw(x.f32, N, C).map(Math.exp);
  return record('softmax', new Tensor(y, x.shape), [x], (gy) => {
    const g = new Float32Array(y.length);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += gy[n * C + c] * y[n * C + c];
      for (let c = 0; c < C; c++) g[n * C + c] = y[n * C + c] * (gy[n * C + c] - s);
    }
    return [g];
  });
}

export interface CrossEntropyOptions {
  reduction?: 'mean' | 'sum' | 'none';
  /** Per-class weights (loss balancing between old and new classes); mean divides by Σ weights of the targets, as PyTorch. */
  classWeights?: Float32Array | readonly number[];
  labelSmoothing?: number;
}

/** Cross-entropy of logits [N, C] against integer labels. */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[] | Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const [N, C] = rowsOf('crossEntropy', logits);
  const y = labels instanceof Tensor ? labels.data : labels;
  if (y.length !== N) throw new ShapeError('crossEntropy', `got ${y.length} labels for ${N} rows of logits ${fmt(logits.shape)}`);
  for (let n = 0; n < N; n++) {
    if (!Number.isInteger(y[n]) || y[n] < 0 || y[n] >= C) throw new RangeError(`crossEntropy: label ${y[n]} at row ${n} is outside [0, ${C})`);
  }
  const { reduction = 'mean', classWeights, labelSmoothing = 0 } = opts;
  if (classWeights && classWeights.length !== C) throw new ShapeError('crossEntropy', `classWeights has ${classWeights.length} entries, logits have ${C} classes`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  const lp = logSoftmaxRaw(logits.f32, N, C);
  const per = new Float32Array(N);
  const wRow = new Float64Array(N);
  let wSum = 0;
  for (let n = 0; n < N; n++) {
    const w = classWeights ? classWeights[y[n]] : 1;
    let l = -(1 - labelSmoothing) * lp[n * C + y[n]];
    if (labelSmoothing > 0) { let s = 0; for (let c = 0; c < C; c++) s += lp[n * C + c]; l -= (labelSmoothing / C) * s; }
    per[n] = w * l; wRow[n] = w; wSum += w;
  }
  let out: Tensor;
  if (reduction === 'none') out = new Tensor(per, [N]);
  else {
    let s = 0;
    for (let n = 0; n < N; n++) s += per[n];
    out = new Tensor(Float32Array.of(reduction === 'mean' ? s / wSum : s), []);
  }
  return record('crossEntropy', out, [logits], (gy) => {
    const g = new Float32Array(N * C);
    for (let n = 0; n < N; n++) {
      const scale = (reduction === 'none' ? gy[n] : reduction === 'mean' ? gy[0] / wSum : gy[0]) * wRow[n];
      for (let c = 0; c < C; c++) {
        const target = (c === y[n] ? 1 - labelSmoothing : 0) + labelSmoothing / C;
        g[n * C + c] = scale * (Math.exp(lp[n * C + c]) - target);
      }
    }
    return [g];
  });
}

/** Mean squared error against a target of the same shape. */
export function mse(x: Tensor, target: Tensor): Tensor {
  if (x.size !== target.size) throw new ShapeError('mse', `prediction ${fmt(x.shape)} and target ${fmt(target.shape)} differ in size`);
  const X = x.f32, T = target.f32;
  let s = 0;
  for (let i = 0; i < X.length; i++) { const d = X[i] - T[i]; s += d * d; }
  return record('mse', new Tensor(Float32Array.of(s / X.length), []), [x], (gy) => {
    const g = new Float32Array(X.length);
    const k = (2 * gy[0]) / X.length;
    for (let i = 0; i < X.length; i++) g[i] = k * (X[i] - T[i]);
    return [g];
  });
}
