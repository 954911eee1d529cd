// Batch normalization over [N, C] or [N, C, H, W] as one fused op with a hand-written backward:
// composing it from primitives would allocate ~10 full-size temporaries per layer.
import { getKernels } from '../kernels/index.js';
import { takeF32, takeGrad } from '../buffer-pool.js';
import { fmt, ShapeError } from '../shape.js';
import { record, Tensor } from '../tensor.js';

export interface BatchNormState {
  /** Running statistics, updated in place during training. */
  runningMean: Float32Array;
  runningVar: Float32Array;
}

export interface BatchNormOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
  /**
   * Apply a ReLU to the output inside the same op: relu(batchNorm(x)) with the same values and
   * gradients, bit for bit, in one pass and without the intermediate tensor.
   */
  relu?: boolean;
}

export function batchNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, state: BatchNormState, opts: BatchNormOptions): Tensor {
  if (x.rank !== 2 && x.rank !== 4) throw new ShapeError('batchNorm', `input must be [N, C] or [N, C, H, W], got ${fmt(x.shape)}`);
  const N = x.shape[0], C = x.shape[1], P = x.rank === 4 ? x.shape[2] * x.shape[3] : 1;
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== C)) throw new ShapeError('batchNorm', `${name} ${fmt(t.shape)} must be [${C}] for input ${fmt(x.shape)}`);
  }
  if (state.runningMean.length !== C || state.runningVar.length !== C) {
    throw new ShapeError('batchNorm', `running statistics have ${state.runningMean.length}/${state.runningVar.length} channels, input has ${C}`);
  }
  const { momentum = 0.1, eps = 1e-5, training, relu = false } = opts;
  const M = N * P;
  if (training && M < 2) throw new ShapeError('batchNorm', `training needs more than one value per channel, got input ${fmt(x.shape)}`);
  const G = gamma?.f32 ?? null, B = beta?.f32 ?? null;
  const k = getKernels();
  const mean = new Float32Array(C), variance = new Float32Array(C), invStd = new Float32Array(C);
  if (!training) {
    for (let c = 0; c < C; c++) { mean[c] = state.runningMean[c]; invStd[c] = 1 / Math.sqrt(state.runningVar[c] + eps); }
  }
  const y = takeF32(x.size);
  // x̂ is not kept: the backward recomputes it from x, mean and invStd (saves a full-size buffer).
  k.batchNormForward(N, C, P, x.f32, G, B, eps, training, mean, variance, invStd, y, relu);
  if (training) {
    for (let c = 0; c < C; c++) {
      state.runningMean[c] = (1 - momentum) * state.runningMean[c] + momentum * mean[c];
      state.runningVar[c] = (1 - momentum) * state.runningVar[c] + momentum * (variance[c] * M / (M - 1));
    }
  }
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record(relu ? 'batchNormRelu' : 'batchNorm', new Tensor(y, x.shape), inputs, (gy) => {
    const gx = x.requiresGrad ? takeGrad(x.size) : null;
    const gg = gamma?.requiresGrad ? new Float32Array(C) : null;
    const gb = beta?.requiresGrad ? new Float32Array(C) : null;
    k.batchNormBackward(N, C, P, x.f32, gy, mean, invStd, G, training, gx, gg, gb, relu ? y : null);
    const out: (Float32Array | null)[] = [gx];
    if (gamma) out.push(gg);
    if (beta) out.push(gb);
    return out;
  });
}
