// Element-wise ops with NumPy broadcasting. Binary ops take the same-shape and scalar fast paths
// that dominate training; the general path walks the output with broadcast strides.
import { elementwiseKernels, getKernels } from '../kernels/index.js';
import { takeF32, takeGrad } from '../buffer-pool.js';
import { broadcastShapes, broadcastStrides, fmt, sameShape, ShapeError, sizeOf, type Shape } from '../shape.js';
import { record, Tensor } from '../tensor.js';

export type TensorLike = Tensor | number;

export const asTensor = (x: TensorLike): Tensor => (typeof x === 'number' ? new Tensor(Float32Array.of(x), []) : x);

/** out[i] = f(a[ia], b[ib]) over the broadcast shape. */
function broadcastMap(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): { out: Float32Array; shape: number[] } {
  const A = a.f32, B = b.f32;
  if (sameShape(a.shape, b.shape)) {
    const out = new Float32Array(A.length);
    for (let i = 0; i < out.length; i++) out[i] = f(A[i], B[i]);
    return { out, shape: [...a.shape] };
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Float32Array(sizeOf(shape));
  if (B.length === 1 && shape.length === a.rank) {
    const y = B[0];
    for (let i = 0; i < out.length; i++) out[i] = f(A[i], y);
    return { out, shape };
  }
  if (A.length === 1 && shape.length === b.rank) {
    const x = A[0];
    for (let i = 0; i < out.length; i++) out[i] = f(x, B[i]);
    return { out, shape };
  }
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  forEachIndex(shape, (o, idx) => {
    let ia = 0, ib = 0;
    for (let d = 0; d < idx.length; d++) { ia += idx[d] * sa[d]; ib += idx[d] * sb[d]; }
    out[o] = f(A[ia], B[ib]);
  });
  return { out, shape };
}

/** Calls fn(flatIndex, multiIndex) for every position of `shape` in row-major order. */
export function forEachIndex(shape: Shape, fn: (flat: number, idx: number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < n; o++) {
    fn(o, idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Sums a gradient of the broadcast shape back down to `target` (the inverse of broadcasting). */
export function reduceToShape(g: Float32Array, from: Shape, target: Shape): Float32Array {
  if (sameShape(from, target)) return g;
  const out = new Float32Array(sizeOf(target));
  if (out.length === 1) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i];
    out[0] = s;
    return out;
  }
  const st = broadcastStrides(target, from);
  forEachIndex(from, (o, idx) => {
    let t = 0;
    for (let d = 0; d < idx.length; d++) t += idx[d] * st[d];
    out[t] += g[o];
  });
  return out;
}

function binary(op: string, a: TensorLike, b: TensorLike, f: (x: number, y: number) => number,
  grads: (gy: Float32Array, A: Tensor, B: Tensor, y: Float32Array, shape: Shape) => [Float32Array | null, Float32Array | null]): Tensor {
  const ta = asTensor(a), tb = asTensor(b);
  const { out, shape } = broadcastMap(op, ta, tb, f);
  return record(op, new Tensor(out, shape), [ta, tb], (gy) => {
    const [ga, gb] = grads(gy, ta, tb, out, shape);
    return [ga && ta.requiresGrad ? reduceToShape(ga, shape, ta.shape) : null,
      gb && tb.requiresGrad ? reduceToShape(gb, shape, tb.shape) : null];
  });
}

/** gy ⊙ (the other operand broadcast to the output shape). */
function mulBroadcast(gy: Float32Array, other: Tensor, shape: Shape, f: (g: number, v: number) => number): Float32Array {
  const o = other.f32;
  const r = new Float32Array(gy.length);
  if (o.length === gy.length) for (let i = 0; i < r.length; i++) r[i] = f(gy[i], o[i]);
  else if (o.length === 1) for (let i = 0; i < r.length; i++) r[i] = f(gy[i], o[0]);
  else {
    const so = broadcastStrides(other.shape, shape);
    forEachIndex(shape, (k, idx) => {
      let j = 0;
      for (let d = 0; d < idx.length; d++) j += idx[d] * so[d];
      r[k] = f(gy[k], o[j]);
    });
  }
  return r;
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(a), tb = asTensor(b);
  if (sameShape(ta.shape, tb.shape)) return addSameShape(ta, tb, false);
  return binary('add', ta, tb, (x, y) => x + y, (gy) => [gy, gy]);
}

/**
 * max(a + b, 0) for two tensors of one shape: a residual block's sum and the ReLU after it as one
 * kernel pass, with the values and gradients of relu(add(a, b)).
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new ShapeError('addRelu', `operands must have one shape, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return addSameShape(a, b, true);
}

// Same-shape sums (residual connections) run on the active kernels: SIMD, split over threads, and
// in place in kernel memory for resident operands (see tidy).
function addSameShape(a: Tensor, b: Tensor, withRelu: boolean): Tensor {
  const k = elementwiseKernels(a.size);
  const out = takeF32(a.size);
  k.add(a.f32, b.f32, out, withRelu);
  return record(withRelu ? 'addRelu' : 'add', new Tensor(out, a.shape), [a, b], (gy) => {
    let g = gy;
    if (withRelu) { g = takeGrad(gy.length); k.reluBackward(out, gy, g); }
    return [a.requiresGrad ? g : null, b.requiresGrad ? g : null];
  });
}

export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  binary('sub', a, b, (x, y) => x - y, (gy) => [gy, gy.map((v) => -v)]);

export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  binary('mul', a, b, (x, y) => x * y, (gy, A, B, _y, shape) => [
    A.requiresGrad ? mulBroadcast(gy, B, shape, (g, v) => g * v) : null,
    B.requiresGrad ? mulBroadcast(gy, A, shape, (g, v) => g * v) : null,
  ]);

export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binary('div', a, b, (x, y) => x / y, (gy, A, B, y, shape) => [
    A.requiresGrad ? mulBroadcast(gy, B, shape, (g, v) => g / v) : null,
    B.requiresGrad ? (() => {
      const gb = mulBroadcast(gy, B, shape, (g, v) => g / v);
      for (let i = 0; i < gb.length; i++) gb[i] = -gb[i] * y[i];
      return gb;
    })() : null,
  ]);

export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binary('maximum', a, b, (x, y) => (x >= y ? x : y), (gy, A, B, y, shape) => {
    const ma = mulBroadcast(y, A, shape, (out, v) => (out === v ? 1 : 0));
    const ga = new Float32Array(gy.length), gb = new Float32Array(gy.length);
    for (let i = 0; i < gy.length; i++) { ga[i] = gy[i] * ma[i]; gb[i] = gy[i] * (1 - ma[i]); }
    return [A.requiresGrad ? ga : null, B.requiresGrad ? gb : null];
  });

function unary(op: string, x: Tensor, f: (v: number) => number, dfdx: (v: number, y: number) => number): Tensor {
  const X = x.f32;
  const out = new Float32Array(X.length);
  for (let i = 0; i < out.length; i++) out[i] = f(X[i]);
  return record(op, new Tensor(out, x.shape), [x], (gy) => {
    const g = new Float32Array(gy.length);
    for (let i = 0; i < g.length; i++) g[i] = gy[i] * dfdx(X[i], out[i]);
    return [g];
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x, (v) => -v, () => -1);
export const exp = (x: Tensor): Tensor => unary('exp', x, Math.exp, (_v, y) => y);
export const log = (x: Tensor): Tensor => unary('log', x, Math.log, (v) => 1 / v);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, Math.sqrt, (_v, y) => 0.5 / y);
export const square = (x: Tensor): Tensor => unary('square', x, (v) => v * v, (v) => 2 * v);
export const abs = (x: Tensor): Tensor => unary('abs', x, Math.abs, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0));
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, (v) => 1 / (1 + Math.exp(-v)), (_v, y) => y * (1 - y));
export const tanh = (x: Tensor): Tensor => unary('tanh', x, Math.tanh, (_v, y) => 1 - y * y);
export const pow = (x: Tensor, p: number): Tensor => unary('pow', x, (v) => v ** p, (v) => p * v ** (p - 1));
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor =>
  unary('leakyRelu', x, (v) => (v > 0 ? v : slope * v), (v) => (v > 0 ? 1 : slope));

/**
 * ReLU = max(x, 0) with gradient 0 at 0 (as PyTorch), on the active kernels: the wasm pair is
 * branch-free SIMD (a JS `v > 0 ? v : 0` loop mispredicts on activations, half positive at random)
 * and splits large tensors over the worker threads.
 */
export function relu(x: Tensor): Tensor {
  const k = getKernels();
  const out = takeF32(x.size);
  k.relu(x.f32, out);
  return record('relu', new Tensor(out, x.shape), [x], (gy) => {
    const g = takeGrad(gy.length);
    k.reluBackward(out, gy, g);
    return [g];
  });
}

/** Clamps to [lo, hi]; the gradient passes inside the closed interval (PyTorch's clamp). */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clip: lo (${lo}) must be ≤ hi (${hi})`);
  return unary('clip', x, (v) => (v < lo ? lo : v > hi ? hi : v), (v) => (v >= lo && v <= hi ? 1 : 0));
}

/** Scales by a constant (cheaper than mul with a scalar tensor). */
export function scale(x: Tensor, s: number): Tensor {
  return unary('scale', x, (v) => v * s, () => s);
}

