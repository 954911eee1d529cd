// Ops that move data without arithmetic: reshape, transpose, concat, slice, gather, pad.
import { fmt, normAxis, ShapeError, sizeOf, stridesOf, type Shape } from '../shape.js';
import { record, Tensor } from '../tensor.js';
import { forEachIndex } from './elementwise.js';

/** Reshape (no copy). One dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const infer = shape.indexOf(-1);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = [...shape];
  if (infer >= 0) {
    if (shape.lastIndexOf(-1) !== infer || known === 0 || x.size % known !== 0) {
      throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
    }
    out[infer] = x.size / known;
  }
  if (sizeOf(out) !== x.size) throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  return record('reshape', new Tensor(x.data, out), [x], (gy) => [gy]);
}

/** Flattens all dimensions after the first: [N, ...] → [N, prod(...)]. */
export const flatten = (x: Tensor): Tensor => reshape(x, [x.shape[0], -1]);

/** Permutes dimensions (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError('transpose', `permutation ${JSON.stringify(p)} is invalid for shape ${fmt(x.shape)}`);
  }
  const outShape = p.map((a) => x.shape[a]);
  const out = permuteData(x.data, x.shape, p, outShape);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => { inv[a] = i; });
  return record('transpose', new Tensor(out, outShape), [x], (gy) => [permuteData(gy, outShape, inv, x.shape) as Float32Array]);
}

function permuteData<T extends Float32Array | Int32Array>(src: T, shape: Shape, p: readonly number[], outShape: Shape): T {
  const out = new (src.constructor as { new(n: number): T })(src.length);
  const st = stridesOf(shape);
  if (shape.length === 2 && p[0] === 1) {
    const [R, C] = shape;
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = src[r * C + c];
    return out;
  }
  const ps = p.map((a) => st[a]);
  forEachIndex(outShape, (o, idx) => {
    let s = 0;
    for (let d = 0; d < idx.length; d++) s += idx[d] * ps[d];
    out[o] = src[s];
  });
  return out;
}

/** Concatenates along an axis; all other dimensions must match. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const a = normAxis('concat', axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i]) || t.dtype !== xs[0].dtype) {
      throw new ShapeError('concat', `shapes ${xs.map((q) => fmt(q.shape)).join(', ')} differ outside axis ${a} (or dtypes differ)`);
    }
  }
  const outShape = [...xs[0].shape];
  outShape[a] = xs.reduce((s, t) => s + t.shape[a], 0);
  const outer = sizeOf(outShape.slice(0, a));
  const inner = sizeOf(outShape.slice(a + 1));
  const out = xs[0].dtype === 'int32' ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
  const rowOut = outShape[a] * inner;
  let off = 0;
  const offsets: number[] = [];
  for (const t of xs) {
    const rowIn = t.shape[a] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * rowIn, (o + 1) * rowIn), o * rowOut + off);
    offsets.push(off);
    off += rowIn;
  }
  return record('concat', new Tensor(out, outShape), xs, (gy) => xs.map((t, i) => {
    if (!t.requiresGrad) return null;
    const rowIn = t.shape[a] * inner;
    const g = new Float32Array(t.size);
    for (let o = 0; o < outer; o++) g.set(gy.subarray(o * rowOut + offsets[i], o * rowOut + offsets[i] + rowIn), o * rowIn);
    return g;
  }));
}

/** x[begin[0]:begin[0]+size[0], ...]; size -1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new ShapeError('slice', `begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} must both have rank ${x.rank} for ${fmt(x.shape)}`);
  }
  const sz = size.map((s, i) => (s === -1 ? x.shape[i] - begin[i] : s));
  sz.forEach((s, i) => {
    if (begin[i] < 0 || s < 0 || begin[i] + s > x.shape[i]) {
      throw new ShapeError('slice', `range [${begin[i]}, ${begin[i] + s}) is outside dimension ${i} of ${fmt(x.shape)}`);
    }
  });
  const st = stridesOf(x.shape);
  const base = begin.reduce((s, b, i) => s + b * st[i], 0);
  const out = x.dtype === 'int32' ? new Int32Array(sizeOf(sz)) : new Float32Array(sizeOf(sz));
  const srcIndex = (idx: number[]) => { let s = base; for (let d = 0; d < idx.length; d++) s += idx[d] * st[d]; return s; };
  forEachIndex(sz, (o, idx) => { out[o] = x.data[srcIndex(idx)]; });
  return record('slice', new Tensor(out, sz), [x], (gy) => {
    const g = new Float32Array(x.size);
    forEachIndex(sz, (o, idx) => { g[srcIndex(idx)] = gy[o]; });
    return [g];
  });
}

/** Selects entries along `axis` by integer indices (e.g. rows of an embedding or a batch). */
export function gather(x: Tensor, indices: Int32Array | readonly number[], axis = 0): Tensor {
  const a = normAxis('gather', axis, x.rank);
  const n = x.shape[a];
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError('gather', `index ${i} is out of range [0, ${n}) on axis ${a} of ${fmt(x.shape)}`);
  }
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const outShape = [...x.shape];
  outShape[a] = indices.length;
  const out = x.dtype === 'int32' ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.length; k++) {
      const src = (o * n + indices[k]) * inner;
      out.set(x.data.subarray(src, src + inner), (o * indices.length + k) * inner);
    }
  }
  return record('gather', new Tensor(out, outShape), [x], (gy) => {
    const g = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < indices.length; k++) {
        const dst = (o * n + indices[k]) * inner, src = (o * indices.length + k) * inner;
        for (let j = 0; j < inner; j++) g[dst + j] += gy[src + j];
      }
    }
    return [g];
  });
}

/** Constant padding; `pads[i] = [before, after]` for each dimension. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length !== x.rank || pads.some(([b, e]) => !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)) {
    throw new ShapeError('pad', `pads ${JSON.stringify(pads)} must give [before, after] ≥ 0 for each of the ${x.rank} dimensions of ${fmt(x.shape)}`);
  }
  const outShape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out = new Float32Array(sizeOf(outShape)).fill(value);
  const os = stridesOf(outShape);
  const dstIndex = (idx: number[]) => { let s = 0; for (let d = 0; d < idx.length; d++) s += (idx[d] + pads[d][0]) * os[d]; return s; };
  const X = x.f32;
  forEachIndex(x.shape, (i, idx) => { out[dstIndex(idx)] = X[i]; });
  return record('pad', new Tensor(out, outShape), [x], (gy) => {
    const g = new Float32Array(x.size);
    forEachIndex(x.shape, (i, idx) => { g[i] = gy[dstIndex(idx)]; });
    return [g];
  });
}
