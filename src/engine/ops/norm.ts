// Batch normalization over [N, C] or [N, C, H, W] as one fused op with a hand-written backward:
// composing it from primitives would allocate ~10 full-size temporaries per layer.
import { fmt, ShapeError } from '../shape.js';
import { record, Tensor } from '../tensor.js';

export interface BatchNormState {
  /** Running statistics, updated in place during training. */
  runningMean: Float32Array;
  runningVar: Float32Array;
}

export interface BatchNormOptions { training: boolean; momentum?: number; eps?: number }

export function batchNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, state: BatchNormState, opts: BatchNormOptions): Tensor {
  if (x.rank !== 2 && x.rank !== 4) throw new ShapeError('batchNorm', `input must be [N, C] or [N, C, H, W], got ${fmt(x.shape)}`);
  const N = x.shape[0], C = x.shape[1], P = x.rank === 4 ? x.shape[2] * x.shape[3] : 1;
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== C)) throw new ShapeError('batchNorm', `${name} ${fmt(t.shape)} must be [${C}] for input ${fmt(x.shape)}`);
  }
  if (state.runningMean.length !== C || state.runningVar.length !== C) {
    throw new ShapeError('batchNorm', `running statistics have ${state.runningMean.length}/${state.runningVar.length} channels, input has ${C}`);
  }
  const { momentum = 0.1, eps = 1e-5, training } = opts;
  const M = N * P;
  if (training && M < 2) throw new ShapeError('batchNorm', `training needs more than one value per channel, got input ${fmt(x.shape)}`);
  const X = x.f32;
  const G = gamma?.f32, B = beta?.f32;
  const mean = new Float64Array(C), invStd = new Float32Array(C);
  if (training) {
    const v = new Float64Array(C);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const off = (n * C + c) * P;
        let s = 0;
        for (let p = 0; p < P; p++) s += X[off + p];
        mean[c] += s;
      }
    }
    for (let c = 0; c < C; c++) mean[c] /= M;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const off = (n * C + c) * P, m = mean[c];
        let s = 0;
        for (let p = 0; p < P; p++) { const d = X[off + p] - m; s += d * d; }
        v[c] += s;
      }
    }
    for (let c = 0; c < C; c++) {
      const biased = v[c] / M;
      invStd[c] = 1 / Math.sqrt(biased + eps);
      state.runningMean[c] = (1 - momentum) * state.runningMean[c] + momentum * mean[c];
      state.runningVar[c] = (1 - momentum) * state.runningVar[c] + momentum * (v[c] / (M - 1));
    }
  } else {
    for (let c = 0; c < C; c++) { mean[c] = state.runningMean[c]; invStd[c] = 1 / Math.sqrt(state.runningVar[c] + eps); }
  }
  const xhat = new Float32Array(X.length);
  const y = new Float32Array(X.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const off = (n * C + c) * P, m = mean[c], s = invStd[c], g = G ? G[c] : 1, b = B ? B[c] : 0;
      for (let p = 0; p < P; p++) { const h = (X[off + p] - m) * s; xhat[off + p] = h; y[off + p] = h * g + b; }
    }
  }
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record('batchNorm', new Tensor(y, x.shape), inputs, (gy) => {
    const sumDy = new Float64Array(C), sumDyXhat = new Float64Array(C);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const off = (n * C + c) * P;
        let a = 0, b = 0;
        for (let p = 0; p < P; p++) { a += gy[off + p]; b += gy[off + p] * xhat[off + p]; }
        sumDy[c] += a; sumDyXhat[c] += b;
      }
    }
    let gx: Float32Array | null = null;
    if (x.requiresGrad) {
      gx = new Float32Array(X.length);
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          const off = (n * C + c) * P, k = (G ? G[c] : 1) * invStd[c];
          if (training) {
            const a = sumDy[c] / M, b = sumDyXhat[c] / M;
            for (let p = 0; p < P; p++) gx[off + p] = k * (gy[off + p] - a - xhat[off + p] * b);
          } else for (let p = 0; p < P; p++) gx[off + p] = k * gy[off + p];
        }
      }
    }
    const out: (Float32Array | null)[] = [gx];
    if (gamma) out.push(gamma.requiresGrad ? Float32Array.from(sumDyXhat) : null);
    if (beta) out.push(beta.requiresGrad ? Float32Array.from(sumDy) : null);
    return out;
  });
}
