// Reductions over any set of axes. Accumulation is in float64 so long sums (losses, BN statistics)
// don't drift with the order of a float32 running total.
import { fmt, normAxis, ShapeError, sizeOf, stridesOf, type Shape } from '../shape.js';
import { record, Tensor } from '../tensor.js';
import { forEachIndex } from './elementwise.js';

function reducedShape(op: string, shape: Shape, axes: number | number[] | undefined, keepDims: boolean) {
  const ax = axes === undefined ? shape.map((_, i) => i) : (Array.isArray(axes) ? axes : [axes]).map((a) => normAxis(op, a, shape.length));
  if (new Set(ax).size !== ax.length) throw new ShapeError(op, `repeated axis in ${JSON.stringify(axes)}`);
  const keep = shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const out = keepDims ? keep : shape.filter((_, i) => !ax.includes(i));
  // Strides mapping an input multi-index to the output flat index (0 along reduced axes).
  const ks = stridesOf(keep).map((s, i) => (ax.includes(i) ? 0 : s));
  return { ax, keep, out, ks };
}

function sumRaw(x: Tensor, ks: number[], outSize: number): Float64Array {
  const X = x.f32;
  const acc = new Float64Array(outSize);
  if (outSize === 1) {
    let s = 0;
    for (let i = 0; i < X.length; i++) s += X[i];
    acc[0] = s;
    return acc;
  }
  forEachIndex(x.shape, (o, idx) => {
    let t = 0;
    for (let d = 0; d < idx.length; d++) t += idx[d] * ks[d];
    acc[t] += X[o];
  });
  return acc;
}

/** Broadcasts a reduced gradient back to the input shape, times a constant. */
function expandGrad(gy: Float32Array, shape: Shape, ks: number[], c: number): Float32Array {
  const g = new Float32Array(sizeOf(shape));
  if (gy.length === 1) return g.fill(gy[0] * c);
  forEachIndex(shape, (o, idx) => {
    let t = 0;
    for (let d = 0; d < idx.length; d++) t += idx[d] * ks[d];
    g[o] = gy[t] * c;
  });
  return g;
}

export function sum(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const { out, ks } = reducedShape('sum', x.shape, axes, keepDims);
  const acc = sumRaw(x, ks, sizeOf(out));
  return record('sum', new Tensor(Float32Array.from(acc), out), [x], (gy) => [expandGrad(gy, x.shape, ks, 1)]);
}

export function mean(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const { out, ks } = reducedShape('mean', x.shape, axes, keepDims);
  const n = x.size / Math.max(1, sizeOf(out));
  if (x.size === 0) throw new ShapeError('mean', `cannot average an empty tensor ${fmt(x.shape)}`);
  const acc = sumRaw(x, ks, sizeOf(out));
  const data = new Float32Array(acc.length);
  for (let i = 0; i < data.length; i++) data[i] = acc[i] / n;
  return record('mean', new Tensor(data, out), [x], (gy) => [expandGrad(gy, x.shape, ks, 1 / n)]);
}

/** Maximum along one axis; the gradient goes to the first maximal element. */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const { out, idx } = argReduce('max', x, axis, (a, b) => a > b);
  const shape = keepDims ? x.shape.map((d, i) => (i === normAxis('max', axis, x.rank) ? 1 : d)) : out;
  const X = x.f32;
  const vals = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) vals[i] = X[idx[i]];
  return record('max', new Tensor(vals, shape), [x], (gy) => {
    const g = new Float32Array(x.size);
    for (let i = 0; i < idx.length; i++) g[idx[i]] += gy[i];
    return [g];
  });
}

/** Index of the maximum along an axis (int32, no gradient). */
export function argmax(x: Tensor, axis = -1): Tensor {
  const { out, idx, stride, dimSize } = argReduce('argmax', x, axis, (a, b) => a > b);
  const r = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) r[i] = Math.floor(idx[i] / stride) % dimSize;
  return new Tensor(r, out);
}

function argReduce(op: string, x: Tensor, axis: number, better: (a: number, b: number) => boolean) {
  const a = normAxis(op, axis, x.rank);
  const dimSize = x.shape[a];
  if (dimSize === 0) throw new ShapeError(op, `axis ${axis} of ${fmt(x.shape)} is empty`);
  const stride = sizeOf(x.shape.slice(a + 1));
  const outer = sizeOf(x.shape.slice(0, a));
  const X = x.data;
  const idx = new Int32Array(outer * stride);
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      let best = o * dimSize * stride + s;
      for (let k = 1; k < dimSize; k++) {
        const j = (o * dimSize + k) * stride + s;
        if (better(X[j], X[best])) best = j;
      }
      idx[o * stride + s] = best;
    }
  }
  return { out: x.shape.filter((_, i) => i !== a), idx, stride, dimSize };
}
