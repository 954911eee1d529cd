// The ONNX operators bitspike runs, mapped onto the engine's ops and kernels (conv, pooling, GEMM,
// batch norm and ReLU on the wasm/threaded kernels; layout and small elementwise ops in TypeScript).
// Each operator is a planner: given its node and the shapes (and, when known at load time, the
// values) of its inputs, it checks attributes and shapes and returns its output shapes and an
// `exec` closure. The graph planner (plan.ts) calls exec at once when every input is a constant
// (constant folding: Shape → Gather → Unsqueeze → Concat → Reshape chains of a shape-static export
// fold away), and otherwise schedules it. So every error (bad attribute, shape mismatch, a shape
// that depends on runtime data) is raised while planning, before any compute.
import { getKernels } from '../engine/kernels/index.js';
import { add, avgPool2d, batchNorm, clip, concat as engineConcat, conv2d, div, globalAvgPool2d, leakyRelu, maxPool2d, mul, pad as enginePad,
  relu, sigmoid, sub, transpose as engineTranspose } from '../engine/ops/index.js';
import { broadcastShapes, broadcastStrides, stridesOf } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { nodeLabel, OnnxError } from './errors.js';
import type { Attr, OnnxNode } from './graph.js';
import { fmtShape, sizeOfShape, type Value, type ValueType } from './value.js';

/** What the planner knows of a value: type and shape always; the data when it is a load-time constant. */
export interface Sym {
  readonly type: ValueType;
  readonly shape: readonly number[];
  readonly value?: Value;
}

export interface OutSpec { readonly type: ValueType; readonly shape: readonly number[] }

export interface Planned {
  readonly outs: readonly OutSpec[];
  readonly exec: (ins: readonly (Value | null)[]) => Value[];
  /** The outputs do not depend on the input data (Shape, Constant): folded even when inputs are runtime values. */
  readonly static?: boolean;
}

type Planner = (n: OnnxNode, ins: readonly (Sym | null)[]) => Planned;

// ---------------------------------------------------------------------------------------------
// Helpers

const fail = (n: OnnxNode, msg: string): never => { throw new OnnxError(`${nodeLabel(n)}: ${msg}`); };

function attr(n: OnnxNode, name: string): Attr | undefined { return n.attrs.get(name); }
function int(n: OnnxNode, name: string, def: number): number {
  const a = attr(n, name);
  if (!a) return def;
  if (a.kind !== 'int') fail(n, `attribute '${name}' must be an int`);
  return a.value as number;
}
function float(n: OnnxNode, name: string, def: number): number {
  const a = attr(n, name);
  if (!a) return def;
  if (a.kind !== 'float' && a.kind !== 'int') fail(n, `attribute '${name}' must be a float`);
  return a.value as number;
}
function ints(n: OnnxNode, name: string): number[] | undefined {
  const a = attr(n, name);
  if (!a) return undefined;
  if (a.kind !== 'ints') fail(n, `attribute '${name}' must be a list of ints`);
  return a.value as number[];
}
function str(n: OnnxNode, name: string, def: string): string {
  const a = attr(n, name);
  if (!a) return def;
  if (a.kind !== 'string') fail(n, `attribute '${name}' must be a string`);
  return a.value as string;
}

function need(n: OnnxNode, ins: readonly (Sym | null)[], i: number, what: string): Sym {
  const s = ins[i];
  if (!s) return fail(n, `input ${i} (${what}) is required`);
  return s;
}
function needFloat(n: OnnxNode, ins: readonly (Sym | null)[], i: number, what: string): Sym {
  const s = need(n, ins, i, what);
  if (s.type !== 'float') fail(n, `input ${i} (${what}) must be a float tensor, got an integer tensor`);
  return s;
}

/** The load-time value of integer input i (axes, shapes, pads...); a runtime-computed one is a dynamic shape. */
function constInts(n: OnnxNode, ins: readonly (Sym | null)[], i: number, what: string): number[] {
  const s = need(n, ins, i, what);
  if (!s.value) {
    return fail(n, `input ${i} '${n.inputs[i]}' (${what}) is computed from runtime data: dynamic shapes are not supported ` +
      '(export with fixed shapes, e.g. torch.onnx.export without dynamic_axes other than the batch)');
  }
  return Array.from(s.value.data);
}

const toTensor = (v: Value): Tensor => new Tensor(v.data as Float32Array, v.shape);
const fromTensor = (t: Tensor): Value => ({ type: 'float', shape: [...t.shape], data: t.f32 });
const withShape = (v: Value, shape: readonly number[]): Value => ({ type: v.type, shape: [...shape], data: v.data });
const alloc = (type: ValueType, n: number): Float32Array | Float64Array => (type === 'float' ? new Float32Array(n) : new Float64Array(n));

function normAxis(n: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(n, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Calls f on every multi-index of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], f: (flat: number, idx: number[]) => void): void {
  const total = sizeOfShape(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    f(flat, idx);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise

function unaryFloat(f: (v: number) => number, engine?: (t: Tensor) => Tensor): Planner {
  return (n, ins) => {
    const x = needFloat(n, ins, 0, 'X');
    return {
      outs: [{ type: 'float', shape: x.shape }],
      exec: ([v]) => {
        if (engine) return [fromTensor(engine(toTensor(v!)))];
        const X = v!.data, out = new Float32Array(X.length);
        for (let i = 0; i < X.length; i++) out[i] = f(X[i]);
        return [{ type: 'float', shape: v!.shape, data: out }];
      },
    };
  };
}

function binary(name: 'Add' | 'Sub' | 'Mul' | 'Div'): Planner {
  const engine = { Add: add, Sub: sub, Mul: mul, Div: div }[name];
  const f = {
    Add: (a: number, b: number) => a + b, Sub: (a: number, b: number) => a - b,
    Mul: (a: number, b: number) => a * b, Div: (a: number, b: number) => Math.trunc(a / b),
  }[name];
  return (n, ins) => {
    const a = need(n, ins, 0, 'A'), b = need(n, ins, 1, 'B');
    if (a.type !== b.type) fail(n, `inputs must have the same element type, got ${a.type} and ${b.type}`);
    let shape: number[];
    try { shape = broadcastShapes(name, a.shape, b.shape); } catch { return fail(n, `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together`); }
    return {
      outs: [{ type: a.type, shape }],
      exec: ([va, vb]) => {
        if (a.type === 'float') return [fromTensor(engine(toTensor(va!), toTensor(vb!)))];
        const out = new Float64Array(sizeOfShape(shape));
        const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
        forEachIndex(shape, (o, idx) => {
          let ia = 0, ib = 0;
          for (let d = 0; d < idx.length; d++) { ia += idx[d] * sa[d]; ib += idx[d] * sb[d]; }
          out[o] = f(va!.data[ia], vb!.data[ib]);
        });
        return [{ type: 'int', shape, data: out }];
      },
    };
  };
}

const clipPlanner: Planner = (n, ins) => {
  const x = needFloat(n, ins, 0, 'input');
  const bound = (i: number, def: number): number => {
    const s = ins[i];
    if (!s) return def;
    if (!s.value || s.value.data.length !== 1) return fail(n, `input ${i} '${n.inputs[i]}' (${i === 1 ? 'min' : 'max'}) must be a load-time scalar constant`);
    return s.value.data[0];
  };
  const lo = bound(1, -Infinity), hi = bound(2, Infinity);
  if (!(lo <= hi)) fail(n, `min ${lo} is greater than max ${hi}`);
  return {
    outs: [{ type: 'float', shape: x.shape }],
    exec: ([v]) => [lo === 0 && hi === Infinity ? fromTensor(relu(toTensor(v!))) : fromTensor(clip(toTensor(v!), lo, hi))],
  };
};

const leakyPlanner: Planner = (n, ins) => {
  const alpha = float(n, 'alpha', 0.01);
  return unaryFloat((v) => (v > 0 ? v : alpha * v), (t) => leakyRelu(t, alpha))(n, ins);
};

const hardSigmoidPlanner: Planner = (n, ins) => {
  const alpha = float(n, 'alpha', 0.2), beta = float(n, 'beta', 0.5);
  return unaryFloat((v) => Math.max(0, Math.min(1, alpha * v + beta)))(n, ins);
};

// ---------------------------------------------------------------------------------------------
// Convolution, normalisation, pooling

interface Window2d { kernel: [number, number]; strides: [number, number]; dilations: [number, number]; pads: [number, number, number, number] }

/** Kernel, strides, dilations and [top, left, bottom, right] pads of a 2-D window, auto_pad resolved. */
function window2d(n: OnnxNode, H: number, W: number, kernel: readonly number[]): Window2d {
  if (kernel.length !== 2) fail(n, `only 2-D windows are supported, got kernel_shape ${fmtShape(kernel)}`);
  const strides = ints(n, 'strides') ?? [1, 1];
  const dil = ints(n, 'dilations') ?? [1, 1];
  if (strides.length !== 2 || dil.length !== 2) fail(n, 'strides and dilations must have 2 entries');
  if ([...strides, ...dil].some((v) => !Number.isInteger(v) || v < 1)) fail(n, `strides ${fmtShape(strides)} and dilations ${fmtShape(dil)} must be positive`);
  const autoPad = str(n, 'auto_pad', 'NOTSET');
  let pads = ints(n, 'pads') ?? [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = [0, 0, 0, 0];
    [H, W].forEach((size, d) => {
      const out = Math.ceil(size / strides[d]);
      const total = Math.max(0, (out - 1) * strides[d] + (kernel[d] - 1) * dil[d] + 1 - size);
      const small = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[d + 2] = total - pads[d];
    });
  } else if (autoPad === 'VALID') pads = [0, 0, 0, 0];
  else if (autoPad !== 'NOTSET') fail(n, `auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) fail(n, `pads ${fmtShape(pads)} must be 4 non-negative integers`);
  return { kernel: [kernel[0], kernel[1]], strides: [strides[0], strides[1]], dilations: [dil[0], dil[1]], pads: [pads[0], pads[1], pads[2], pads[3]] };
}

const symmetric = (p: readonly number[]): boolean => p[0] === p[2] && p[1] === p[3];
const explicitPads = (p: readonly number[], extraH = 0, extraW = 0): [number, number][] => [[0, 0], [0, 0], [p[0], p[2] + extraH], [p[1], p[3] + extraW]];

const convPlanner: Planner = (n, ins) => {
  const x = needFloat(n, ins, 0, 'X'), w = needFloat(n, ins, 1, 'W');
  const b = ins[2] ?? null;
  if (x.shape.length !== 4) fail(n, `only 2-D convolution on NCHW input is supported, got input ${fmtShape(x.shape)}`);
  if (w.shape.length !== 4) fail(n, `weight ${fmtShape(w.shape)} must be [OC, C/group, KH, KW]`);
  const group = int(n, 'group', 1);
  const ks = ints(n, 'kernel_shape') ?? w.shape.slice(2);
  if (ks[0] !== w.shape[2] || ks[1] !== w.shape[3]) fail(n, `kernel_shape ${fmtShape(ks)} does not match weight ${fmtShape(w.shape)}`);
  const [N, C, H, W] = x.shape, [OC, CG] = w.shape;
  if (!Number.isInteger(group) || group < 1 || C % group !== 0 || OC % group !== 0 || CG * group !== C) {
    fail(n, `input ${fmtShape(x.shape)} and weight ${fmtShape(w.shape)} do not agree with group=${group} (C must be C/group·group of the weight)`);
  }
  if (b && (b.shape.length !== 1 || b.shape[0] !== OC)) fail(n, `bias ${fmtShape(b.shape)} must be [${OC}]`);
  const win = window2d(n, H, W, ks);
  const sym = symmetric(win.pads);
  const Hp = H + win.pads[0] + win.pads[2], Wp = W + win.pads[1] + win.pads[3];
  const OH = Math.floor((Hp - win.dilations[0] * (ks[0] - 1) - 1) / win.strides[0]) + 1;
  const OW = Math.floor((Wp - win.dilations[1] * (ks[1] - 1) - 1) / win.strides[1]) + 1;
  if (OH < 1 || OW < 1) fail(n, `kernel ${fmtShape(ks)} does not fit input ${fmtShape(x.shape)} with pads ${fmtShape(win.pads)}`);
  const opts = { stride: win.strides, dilation: win.dilations, groups: group, padding: sym ? [win.pads[0], win.pads[1]] as [number, number] : 0 };
  return {
    outs: [{ type: 'float', shape: [N, OC, OH, OW] }],
    exec: ([vx, vw, vb]) => {
      let t = toTensor(vx!);
      if (!sym) t = enginePad(t, explicitPads(win.pads));
      return [fromTensor(conv2d(t, toTensor(vw!), vb ? toTensor(vb) : null, opts))];
    },
  };
};

const batchNormPlanner: Planner = (n, ins) => {
  const x = needFloat(n, ins, 0, 'X');
  if (x.shape.length !== 2 && x.shape.length !== 4) fail(n, `input ${fmtShape(x.shape)} must be [N, C] or [N, C, H, W]`);
  if (int(n, 'training_mode', 0) !== 0) fail(n, 'training_mode=1 is not supported (export the model in eval mode)');
  const C = x.shape[1];
  const names = ['scale', 'B', 'input_mean', 'input_var'];
  for (let i = 1; i <= 4; i++) {
    const s = needFloat(n, ins, i, names[i - 1]);
    if (s.shape.length !== 1 || s.shape[0] !== C) fail(n, `${names[i - 1]} ${fmtShape(s.shape)} must be [${C}]`);
  }
  if (n.outputs.slice(1).some((o) => o !== '')) fail(n, 'running statistics outputs (training) are not supported');
  const eps = float(n, 'epsilon', 1e-5);
  return {
    outs: [{ type: 'float', shape: x.shape }],
    exec: ([vx, g, b, m, v]) => [fromTensor(batchNorm(toTensor(vx!), toTensor(g!), toTensor(b!),
      { runningMean: m!.data as Float32Array, runningVar: v!.data as Float32Array }, { training: false, eps }))],
  };
};

function poolPlanner(kind: 'max' | 'avg'): Planner {
  return (n, ins) => {
    const x = needFloat(n, ins, 0, 'X');
    if (x.shape.length !== 4) fail(n, `only 2-D pooling on NCHW input is supported, got ${fmtShape(x.shape)}`);
    if (kind === 'max' && n.outputs.length > 1 && n.outputs[1] !== '') fail(n, 'the Indices output is not supported');
    const ks = ints(n, 'kernel_shape');
    if (!ks) return fail(n, 'kernel_shape is required');
    const [N, C, H, W] = x.shape;
    const win = window2d(n, H, W, ks);
    if (win.dilations.some((d) => d !== 1)) fail(n, `dilations ${fmtShape(win.dilations)} are not supported for pooling`);
    const ceil = int(n, 'ceil_mode', 0) === 1;
    const size = (len: number, d: 0 | 1): [number, number] => {
      const span = len + win.pads[d] + win.pads[d + 2] - ks[d];
      let out = (ceil ? Math.ceil(span / win.strides[d]) : Math.floor(span / win.strides[d])) + 1;
      // A window must start inside the input or its leading padding (PyTorch's and ONNX's rule).
      if (ceil && (out - 1) * win.strides[d] >= len + win.pads[d]) out--;
      const extra = Math.max(0, (out - 1) * win.strides[d] + ks[d] - (len + win.pads[d] + win.pads[d + 2]));
      return [out, extra];
    };
    const [OH, extraH] = size(H, 0), [OW, extraW] = size(W, 1);
    if (OH < 1 || OW < 1) fail(n, `kernel ${fmtShape(ks)} does not fit input ${fmtShape(x.shape)}`);
    const includePad = int(n, 'count_include_pad', 0) === 1;
    const engineOk = symmetric(win.pads) && extraH === 0 && extraW === 0 && win.pads[0] * 2 <= ks[0] && win.pads[1] * 2 <= ks[1];
    return {
      outs: [{ type: 'float', shape: [N, C, OH, OW] }],
      exec: ([v]) => {
        const t = toTensor(v!);
        const opts = { kernel: win.kernel, stride: win.strides };
        if (kind === 'max') {
          if (engineOk) return [fromTensor(maxPool2d(t, { ...opts, padding: [win.pads[0], win.pads[1]] }))];
          return [fromTensor(maxPool2d(enginePad(t, explicitPads(win.pads, extraH, extraW), -Infinity), opts))];
        }
        if (engineOk && (includePad || (win.pads[0] === 0 && win.pads[1] === 0))) {
          return [fromTensor(avgPool2d(t, { ...opts, padding: [win.pads[0], win.pads[1]] }))];
        }
        return [{ type: 'float', shape: [N, C, OH, OW], data: avgPoolGeneral(v!.data as Float32Array, N * C, H, W, OH, OW, win, includePad) }];
      },
    };
  };
}

/** Average pooling with any pads; the divisor counts in-input cells (plus pads when includePad, never the ceil-mode overhang). */
function avgPoolGeneral(X: Float32Array, planes: number, H: number, W: number, OH: number, OW: number, win: Window2d, includePad: boolean): Float32Array {
  const out = new Float32Array(planes * OH * OW);
  const [KH, KW] = win.kernel, [sH, sW] = win.strides, [pt, pl, pb, pr] = win.pads;
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sH - pt, h1 = Math.min(h0 + KH, H + pb);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sW - pl, w1 = Math.min(w0 + KW, W + pr);
        let s = 0, cnt = 0;
        for (let h = Math.max(h0, 0); h < Math.min(h1, H); h++) {
          for (let w = Math.max(w0, 0); w < Math.min(w1, W); w++) { s += X[(p * H + h) * W + w]; cnt++; }
        }
        const div = includePad ? (h1 - h0) * (w1 - w0) : cnt;
        out[(p * OH + oh) * OW + ow] = div > 0 ? s / div : 0;
      }
    }
  }
  return out;
}

const globalAvgPlanner: Planner = (n, ins) => {
  const x = needFloat(n, ins, 0, 'X');
  if (x.shape.length !== 4) fail(n, `input ${fmtShape(x.shape)} must be NCHW`);
  const [N, C] = x.shape;
  return { outs: [{ type: 'float', shape: [N, C, 1, 1] }], exec: ([v]) => [withShape(fromTensor(globalAvgPool2d(toTensor(v!))), [N, C, 1, 1])] };
};

// ---------------------------------------------------------------------------------------------
// Matrix products

const gemmPlanner: Planner = (n, ins) => {
  const a = needFloat(n, ins, 0, 'A'), b = needFloat(n, ins, 1, 'B'), c = ins[2] ?? null;
  if (a.shape.length !== 2 || b.shape.length !== 2) fail(n, `A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)} must be 2-D`);
  const transA = int(n, 'transA', 0) === 1, transB = int(n, 'transB', 0) === 1;
  const alpha = float(n, 'alpha', 1), beta = float(n, 'beta', 1);
  const M = transA ? a.shape[1] : a.shape[0], K = transA ? a.shape[0] : a.shape[1];
  const Kb = transB ? b.shape[1] : b.shape[0], N = transB ? b.shape[0] : b.shape[1];
  if (K !== Kb) fail(n, `inner dimensions differ: A ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} · B ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''} (${K} vs ${Kb})`);
  if (c) {
    try { if (broadcastShapes('Gemm', c.shape, [M, N]).some((d, i) => d !== [M, N][i])) throw new Error(); } catch { fail(n, `C ${fmtShape(c.shape)} cannot be broadcast to [${M}, ${N}]`); }
  }
  return {
    outs: [{ type: 'float', shape: [M, N] }],
    exec: ([va, vb, vc]) => {
      const y = new Float32Array(M * N);
      getKernels().sgemm(transA, transB, M, N, K, va!.data as Float32Array, vb!.data as Float32Array, y, false);
      if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] *= alpha;
      if (vc && beta !== 0) {
        const s = broadcastStrides(vc.shape, [M, N]), C = vc.data;
        for (let m = 0; m < M; m++) for (let j = 0; j < N; j++) y[m * N + j] += beta * C[m * s[0] + j * s[1]];
      }
      return [{ type: 'float', shape: [M, N], data: y }];
    },
  };
};

const matmulPlanner: Planner = (n, ins) => {
  const a = needFloat(n, ins, 0, 'A'), b = needFloat(n, ins, 1, 'B');
  if (a.shape.length < 1 || b.shape.length < 1) fail(n, 'operands must have rank ≥ 1');
  // NumPy semantics: a 1-D A is a row [1, K], a 1-D B a column [K, 1], removed from the result.
  const as = a.shape.length === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : [...b.shape];
  const M = as[as.length - 2], K = as[as.length - 1], Kb = bs[bs.length - 2], N = bs[bs.length - 1];
  if (K !== Kb) fail(n, `inner dimensions differ: ${fmtShape(a.shape)} · ${fmtShape(b.shape)} (${K} vs ${Kb})`);
  let batch: number[];
  try { batch = broadcastShapes('MatMul', as.slice(0, -2), bs.slice(0, -2)); } catch { return fail(n, `batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast`); }
  const outShape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  return {
    outs: [{ type: 'float', shape: outShape }],
    exec: ([va, vb]) => {
      const A = va!.data as Float32Array, B = vb!.data as Float32Array, k = getKernels();
      const y = new Float32Array(sizeOfShape(batch) * M * N);
      if (bBatch.length === 0 || sizeOfShape(bBatch) === 1 && aBatch.length >= bBatch.length) {
        // One GEMM: A's batch rows stacked over the shared B.
        k.sgemm(false, false, sizeOfShape(aBatch) * M, N, K, A, B, y, false);
      } else {
        const sa = broadcastStrides(aBatch, batch), sb = broadcastStrides(bBatch, batch);
        forEachIndex(batch, (o, idx) => {
          let ia = 0, ib = 0;
          for (let d = 0; d < idx.length; d++) { ia += idx[d] * sa[d]; ib += idx[d] * sb[d]; }
          const out = y.subarray(o * M * N, (o + 1) * M * N);
          k.sgemm(false, false, M, N, K, A.subarray(ia * M * K, (ia + 1) * M * K), B.subarray(ib * K * N, (ib + 1) * K * N), out, false);
        });
      }
      return [{ type: 'float', shape: outShape, data: y }];
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Layout and shape ops

const flattenPlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'input');
  const r = x.shape.length;
  let axis = int(n, 'axis', 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) fail(n, `axis ${int(n, 'axis', 1)} is out of range for rank ${r}`);
  const shape = [sizeOfShape(x.shape.slice(0, axis)), sizeOfShape(x.shape.slice(axis))];
  return { outs: [{ type: x.type, shape }], exec: ([v]) => [withShape(v!, shape)] };
};

const reshapePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const target = constInts(n, ins, 1, 'shape');
  const allowZero = int(n, 'allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  if (out.some((d) => d === undefined || d < -1) || out.filter((d) => d === -1).length > 1) fail(n, `invalid target shape ${fmtShape(target)} for input ${fmtShape(x.shape)}`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const total = sizeOfShape(x.shape);
  const inf = out.indexOf(-1);
  if (inf >= 0) {
    if (known === 0 || total % known !== 0) fail(n, `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(target)}`);
    out[inf] = total / known;
  }
  if (sizeOfShape(out) !== total) fail(n, `cannot reshape ${fmtShape(x.shape)} (${total} values) to ${fmtShape(target)}`);
  return { outs: [{ type: x.type, shape: out }], exec: ([v]) => [withShape(v!, out)] };
};

function permute(v: Value, perm: readonly number[], outShape: readonly number[]): Value {
  if (v.type === 'float') return fromTensor(engineTranspose(toTensor(v), perm));
  const st = stridesOf(v.shape), ps = perm.map((a) => st[a]);
  const out = new Float64Array(v.data.length);
  forEachIndex(outShape, (o, idx) => { let s = 0; for (let d = 0; d < idx.length; d++) s += idx[d] * ps[d]; out[o] = v.data[s]; });
  return { type: 'int', shape: [...outShape], data: out };
}

const transposePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const r = x.shape.length;
  const perm = ints(n, 'perm') ?? x.shape.map((_, i) => r - 1 - i);
  if (perm.length !== r || [...perm].sort((p, q) => p - q).some((v, i) => v !== i)) fail(n, `perm ${fmtShape(perm)} is not a permutation of ${r} axes`);
  const shape = perm.map((a) => x.shape[a]);
  return { outs: [{ type: x.type, shape }], exec: ([v]) => [permute(v!, perm, shape)] };
};

const concatPlanner: Planner = (n, ins) => {
  if (ins.length === 0) fail(n, 'needs at least one input');
  const xs = ins.map((_s, i) => need(n, ins, i, `input ${i}`));
  const r = xs[0].shape.length;
  const axis = normAxis(n, int(n, 'axis', 0), r);
  for (const s of xs) {
    if (s.type !== xs[0].type || s.shape.length !== r || s.shape.some((d, i) => i !== axis && d !== xs[0].shape[i])) {
      fail(n, `inputs ${xs.map((q) => fmtShape(q.shape)).join(', ')} differ outside axis ${axis} (or in element type)`);
    }
  }
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((p, s) => p + s.shape[axis], 0);
  const type = xs[0].type;
  return {
    outs: [{ type, shape }],
    exec: (vs) => {
      if (type === 'float') return [fromTensor(engineConcat(vs.map((v) => toTensor(v!)), axis))];
      const outer = sizeOfShape(shape.slice(0, axis)), inner = sizeOfShape(shape.slice(axis + 1));
      const out = new Float64Array(sizeOfShape(shape));
      let off = 0;
      for (const v of vs) {
        const row = v!.shape[axis] * inner;
        for (let o = 0; o < outer; o++) out.set(v!.data.subarray(o * row, (o + 1) * row), o * shape[axis] * inner + off);
        off += row;
      }
      return [{ type, shape, data: out }];
    },
  };
};

const padPlanner: Planner = (n, ins) => {
  const x = needFloat(n, ins, 0, 'data');
  const mode = str(n, 'mode', 'constant');
  if (mode !== 'constant') fail(n, `mode '${mode}' is not supported (constant is)`);
  const r = x.shape.length;
  const raw = constInts(n, ins, 1, 'pads');
  const axes = ins[3] ? constInts(n, ins, 3, 'axes').map((a) => normAxis(n, a, r)) : x.shape.map((_, i) => i);
  if (raw.length !== 2 * axes.length) fail(n, `pads ${fmtShape(raw)} must have 2 × ${axes.length} entries`);
  const pads: [number, number][] = x.shape.map(() => [0, 0]);
  axes.forEach((a, i) => { pads[a] = [raw[i], raw[i + axes.length]]; });
  if (pads.some(([p, q]) => p < 0 || q < 0)) fail(n, `negative pads ${fmtShape(raw)} (cropping) are not supported`);
  let value = 0;
  if (ins[2]) {
    const s = ins[2];
    if (!s.value || s.value.data.length !== 1) fail(n, `constant_value input '${n.inputs[2]}' must be a load-time scalar`);
    value = s.value!.data[0];
  }
  const shape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  return { outs: [{ type: 'float', shape }], exec: ([v]) => [fromTensor(enginePad(toTensor(v!), pads, value))] };
};

const passThrough: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'input');
  if (n.opType === 'Dropout') {
    if (ins[2]?.value && ins[2].value.data[0] !== 0) fail(n, 'training_mode=true is not supported (inference only)');
  }
  const outs: OutSpec[] = [{ type: x.type, shape: x.shape }];
  const mask = n.opType === 'Dropout' && n.outputs.length > 1 && n.outputs[1] !== '';
  if (mask) outs.push({ type: 'int', shape: x.shape });
  return {
    outs,
    exec: ([v]) => (mask ? [v!, { type: 'int', shape: v!.shape, data: new Float64Array(v!.data.length).fill(1) }] : [v!]),
  };
};

const constantPlanner: Planner = (n) => {
  const entries = [...n.attrs.entries()];
  if (entries.length !== 1) fail(n, `expects exactly one value attribute, got ${entries.map(([k]) => k).join(', ') || 'none'}`);
  const [key, a] = entries[0];
  let v: Value;
  if (key === 'value' && a.kind === 'tensor') v = a.value;
  else if (key === 'value_float' && a.kind === 'float') v = { type: 'float', shape: [], data: Float32Array.of(a.value) };
  else if (key === 'value_floats' && a.kind === 'floats') v = { type: 'float', shape: [a.value.length], data: Float32Array.from(a.value) };
  else if (key === 'value_int' && a.kind === 'int') v = { type: 'int', shape: [], data: Float64Array.of(a.value) };
  else if (key === 'value_ints' && a.kind === 'ints') v = { type: 'int', shape: [a.value.length], data: Float64Array.from(a.value) };
  else return fail(n, `attribute '${key}' is not supported (value, value_float(s), value_int(s) are)`);
  return { outs: [{ type: v.type, shape: v.shape }], exec: () => [v], static: true };
};

const constantOfShapePlanner: Planner = (n, ins) => {
  const shape = constInts(n, ins, 0, 'shape');
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(n, `invalid shape ${fmtShape(shape)}`);
  const a = attr(n, 'value');
  if (a && (a.kind !== 'tensor' || a.value.data.length !== 1)) fail(n, 'attribute value must be a one-element tensor');
  const fillWith = a && a.kind === 'tensor' ? a.value : { type: 'float' as const, shape: [1], data: Float32Array.of(0) };
  const v: Value = { type: fillWith.type, shape, data: alloc(fillWith.type, sizeOfShape(shape)).fill(fillWith.data[0]) };
  return { outs: [{ type: v.type, shape }], exec: () => [v], static: true };
};

const shapePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const r = x.shape.length;
  const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(int(n, 'start', 0)), end = clampAxis(int(n, 'end', r));
  const dims = x.shape.slice(start, Math.max(start, end));
  const v: Value = { type: 'int', shape: [dims.length], data: Float64Array.from(dims) };
  return { outs: [{ type: 'int', shape: v.shape }], exec: () => [v], static: true };
};

const gatherPlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data'), idx = need(n, ins, 1, 'indices');
  if (idx.type !== 'int') fail(n, 'indices must be an integer tensor');
  const r = x.shape.length;
  const axis = normAxis(n, int(n, 'axis', 0), r);
  const indices = constInts(n, ins, 1, 'indices').map((i) => {
    const j = i < 0 ? i + x.shape[axis] : i;
    if (j < 0 || j >= x.shape[axis]) fail(n, `index ${i} is out of range for axis ${axis} of ${fmtShape(x.shape)}`);
    return j;
  });
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const outer = sizeOfShape(x.shape.slice(0, axis)), inner = sizeOfShape(x.shape.slice(axis + 1)), len = x.shape[axis];
  return {
    outs: [{ type: x.type, shape }],
    exec: ([v]) => {
      const out = alloc(x.type, sizeOfShape(shape));
      for (let o = 0; o < outer; o++) {
        indices.forEach((j, k) => out.set(v!.data.subarray((o * len + j) * inner, (o * len + j + 1) * inner), (o * indices.length + k) * inner));
      }
      return [{ type: x.type, shape, data: out }];
    },
  };
};

function axesOf(n: OnnxNode, ins: readonly (Sym | null)[]): number[] | undefined {
  // Opset 13 moved axes from an attribute to input 1; older-style attributes are still accepted.
  return ins[1] ? constInts(n, ins, 1, 'axes') : ints(n, 'axes');
}

const unsqueezePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const axes = axesOf(n, ins);
  if (!axes) return fail(n, 'axes are required');
  const r = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis(n, a, r));
  if (new Set(norm).size !== norm.length) fail(n, `repeated axes ${fmtShape(axes)}`);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]);
  return { outs: [{ type: x.type, shape }], exec: ([v]) => [withShape(v!, shape)] };
};

const squeezePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const given = axesOf(n, ins);
  const axes = given ? given.map((a) => normAxis(n, a, x.shape.length)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of axes) if (x.shape[a] !== 1) fail(n, `cannot squeeze axis ${a} of ${fmtShape(x.shape)} (size ${x.shape[a]})`);
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  return { outs: [{ type: x.type, shape }], exec: ([v]) => [withShape(v!, shape)] };
};

const castPlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'input');
  const to = int(n, 'to', 0);
  const type: ValueType | null = [1, 10, 11, 16].includes(to) ? 'float' : [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(to) ? 'int' : null;
  if (!type) return fail(n, `cast to data type ${to} is not supported`);
  return {
    outs: [{ type, shape: x.shape }],
    exec: ([v]) => {
      if (v!.type === type) return [v!];
      return [{ type, shape: v!.shape, data: type === 'float' ? Float32Array.from(v!.data) : Float64Array.from(v!.data, (q) => (to === 9 ? (q !== 0 ? 1 : 0) : Math.trunc(q))) }];
    },
  };
};

const slicePlanner: Planner = (n, ins) => {
  const x = need(n, ins, 0, 'data');
  const r = x.shape.length;
  const starts = constInts(n, ins, 1, 'starts'), ends = constInts(n, ins, 2, 'ends');
  const axes = ins[3] ? constInts(n, ins, 3, 'axes').map((a) => normAxis(n, a, r)) : starts.map((_, i) => i);
  const steps = ins[4] ? constInts(n, ins, 4, 'steps') : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) fail(n, 'starts, ends, axes and steps must have the same length');
  const begin = x.shape.map(() => 0), step = x.shape.map(() => 1), shape = [...x.shape];
  axes.forEach((a, i) => {
    const d = x.shape[a], s = steps[i];
    if (s === 0) fail(n, 'steps must not be 0');
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const b = s > 0 ? clampIdx(starts[i], 0, d) : clampIdx(starts[i], -1, d - 1);
    const e = s > 0 ? clampIdx(ends[i], 0, d) : clampIdx(ends[i], -1, d - 1);
    begin[a] = b; step[a] = s;
    shape[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const st = stridesOf(x.shape);
  return {
    outs: [{ type: x.type, shape }],
    exec: ([v]) => {
      const out = alloc(x.type, sizeOfShape(shape));
      forEachIndex(shape, (o, idx) => { let s = 0; for (let d = 0; d < r; d++) s += (begin[d] + idx[d] * step[d]) * st[d]; out[o] = v!.data[s]; });
      return [{ type: x.type, shape, data: out }];
    },
  };
};

const OPS: Record<string, Planner> = {
  Conv: convPlanner,
  BatchNormalization: batchNormPlanner,
  Relu: unaryFloat((v) => Math.max(v, 0), relu),
  Clip: clipPlanner,
  LeakyRelu: leakyPlanner,
  Sigmoid: unaryFloat((v) => 1 / (1 + Math.exp(-v)), sigmoid),
  HardSigmoid: hardSigmoidPlanner,
  HardSwish: unaryFloat((v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))),
  Sign: unaryFloat((v) => (v > 0 ? 1 : v < 0 ? -1 : 0)),
  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  MaxPool: poolPlanner('max'),
  AveragePool: poolPlanner('avg'),
  GlobalAveragePool: globalAvgPlanner,
  Flatten: flattenPlanner,
  Reshape: reshapePlanner,
  Transpose: transposePlanner,
  Concat: concatPlanner,
  Gemm: gemmPlanner,
  MatMul: matmulPlanner,
  Pad: padPlanner,
  Identity: passThrough,
  Dropout: passThrough,
  Constant: constantPlanner,
  ConstantOfShape: constantOfShapePlanner,
  Shape: shapePlanner,
  Gather: gatherPlanner,
  Unsqueeze: unsqueezePlanner,
  Squeeze: squeezePlanner,
  Cast: castPlanner,
  Slice: slicePlanner,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();

export function isSupportedOp(op: string): boolean {
  return Object.hasOwn(OPS, op);
}

/** Plans one node (its op must be supported: the loader checked). */
export function planNode(n: OnnxNode, ins: readonly (Sym | null)[]): Planned {
  const p = OPS[n.opType];
  if (!p) return fail(n, `unsupported operator '${n.opType}'`);
  return p(n, ins);
}
