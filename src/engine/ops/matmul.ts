// Matrix products on the active kernels (wasm SIMD or reference). Transposes are absorbed by the
// GEMM's packing, so backward never materializes a transposed copy.
import { getKernels } from '../kernels/index.js';
import { takeF32, takeGrad } from '../buffer-pool.js';
import { fmt, ShapeError } from '../shape.js';
import { record, Tensor } from '../tensor.js';

export interface MatmulOptions { transA?: boolean; transB?: boolean }

/** op(a) · op(b) for 2-D a and b. */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false } = opts;
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError('matmul', `expects 2-D operands, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const M = transA ? a.shape[1] : a.shape[0], K = transA ? a.shape[0] : a.shape[1];
  const Kb = transB ? b.shape[1] : b.shape[0], N = transB ? b.shape[0] : b.shape[1];
  if (K !== Kb) {
    throw new ShapeError('matmul', `inner dimensions differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} · ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (${K} vs ${Kb})`);
  }
  const k = getKernels();
  const y = takeF32(M * N);
  k.sgemm(transA, transB, M, N, K, a.f32, b.f32, y, false);
  return record('matmul', new Tensor(y, [M, N]), [a, b], (gy) => {
    let ga: Float32Array | null = null, gb: Float32Array | null = null;
    if (a.requiresGrad) {
      ga = takeGrad(a.size);
      // dA = gy·op(B)ᵀ, stored in A's own layout.
      if (!transA) k.sgemm(false, !transB, M, K, N, gy, b.f32, ga, false);
      else k.sgemm(transB, true, K, M, N, b.f32, gy, ga, false);
    }
    if (b.requiresGrad) {
      gb = takeGrad(b.size);
      if (!transB) k.sgemm(!transA, false, K, N, M, a.f32, gy, gb, false);
      else k.sgemm(true, transA, N, K, M, gy, a.f32, gb, false);
    }
    return [ga, gb];
  });
}

/** Dense layer: x·wᵀ + b with w of shape [out, in] (PyTorch's layout). */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1]) {
    throw new ShapeError('linear', `input ${fmt(x.shape)} does not match weight ${fmt(w.shape)} (expected [N, ${w.shape[1]}])`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) throw new ShapeError('linear', `bias ${fmt(b.shape)} must be [${w.shape[0]}]`);
  const [N, I] = x.shape, O = w.shape[0];
  const k = getKernels();
  const y = takeF32(N * O);
  if (b) { const B = b.f32; for (let n = 0; n < N; n++) y.set(B, n * O); }
  k.sgemm(false, true, N, O, I, x.f32, w.f32, y, !!b);
  const inputs = b ? [x, w, b] : [x, w];
  return record('linear', new Tensor(y, [N, O]), inputs, (gy) => {
    let gx: Float32Array | null = null, gw: Float32Array | null = null, gb: Float32Array | null = null;
    if (x.requiresGrad) { gx = takeGrad(N * I); k.sgemm(false, false, N, I, O, gy, w.f32, gx, false); }
    if (w.requiresGrad) { gw = takeGrad(O * I); k.sgemm(true, false, O, I, N, gy, x.f32, gw, false); }
    if (b?.requiresGrad) {
      gb = new Float32Array(O);
      for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) gb[o] += gy[n * O + o];
    }
    return b ? [gx, gw, gb] : [gx, gw];
  });
}
