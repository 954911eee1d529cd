// Convolution and pooling over NCHW tensors, dispatched to the active kernels.
import { getKernels } from '../kernels/index.js';
import { recycleIndex, takeF32, takeGrad, takeIndex } from '../buffer-pool.js';
import type { ConvGeometry, PoolGeometry } from '../kernels/types.js';
import { fmt, ShapeError } from '../shape.js';
import { isGradEnabled, record, Tensor } from '../tensor.js';

export type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dOptions { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number }

export function convGeometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions): ConvGeometry {
  if (xShape.length !== 4) throw new ShapeError(op, `input must be NCHW (rank 4), got ${fmt(xShape)}`);
  if (wShape.length !== 4) throw new ShapeError(op, `weight must be [OC, C/groups, KH, KW], got ${fmt(wShape)}`);
  const [N, C, H, W] = xShape;
  const [OC, CG, KH, KW] = wShape;
  const groups = opts.groups ?? 1;
  const [strideH, strideW] = pair(opts.stride ?? 1);
  const [padH, padW] = pair(opts.padding ?? 0);
  const [dilationH, dilationW] = pair(opts.dilation ?? 1);
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || OC % groups !== 0) {
    throw new ShapeError(op, `groups=${groups} must divide input channels ${C} and output channels ${OC}`);
  }
  if (CG !== C / groups) throw new ShapeError(op, `weight ${fmt(wShape)} expects ${CG * groups} input channels, input ${fmt(xShape)} has ${C} (groups=${groups})`);
  for (const [n, v] of [['stride', strideH], ['stride', strideW], ['dilation', dilationH], ['dilation', dilationW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(op, `${n} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(padH) || !Number.isInteger(padW) || padH < 0 || padW < 0) throw new ShapeError(op, `padding must be non-negative integers, got ${padH},${padW}`);
  const OH = Math.floor((H + 2 * padH - dilationH * (KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((W + 2 * padW - dilationW * (KW - 1) - 1) / strideW) + 1;
  if (OH < 1 || OW < 1) throw new ShapeError(op, `kernel ${KH}×${KW} (dilation ${dilationH},${dilationW}) does not fit input ${H}×${W} with padding ${padH},${padW}`);
  return { N, C, H, W, OC, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, groups, OH, OW };
}

/** What a convolution applies to its output inside the same op. */
export interface ConvEpilogue {
  /** relu(conv2d(x)): the same values and gradients as a separate ReLU, bit for bit, in one op. */
  relu?: boolean;
  /**
   * The caller accepts rounding that does not keep integer-valued sums exact: the wasm backend may
   * then run a 3×3 stride-1 conv, and its gradients, as Winograd F(4×4, 3×3), 1.1–1.5×
   * faster, with errors about 10× F(2×2)'s (near 1e-5 of the output scale). The float layer
   * Conv2d sets it; binary and spiking paths, and direct calls of this op, do not.
   */
  approximate?: boolean;
}

/** 2-D convolution (cross-correlation, as every framework) with optional per-channel bias. */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}, epilogue: ConvEpilogue = {}): Tensor {
  const g = convGeometry('conv2d', x.shape, w.shape, opts);
  if (b && (b.rank !== 1 || b.shape[0] !== g.OC)) throw new ShapeError('conv2d', `bias ${fmt(b.shape)} must be [${g.OC}]`);
  const relu = epilogue.relu ?? false;
  const k = getKernels();
  const y = takeF32(g.N * g.OC * g.OH * g.OW);
  k.conv2d(g, x.f32, w.f32, y, b?.f32, relu, epilogue.approximate ?? false);
  const inputs = b ? [x, w, b] : [x, w];
  return record(relu ? 'conv2dRelu' : 'conv2d', new Tensor(y, [g.N, g.OC, g.OH, g.OW]), inputs, (gy) => {
    // One kernel call stages dy once for every gradient wanted.
    const gx = x.requiresGrad ? takeGrad(x.size) : null;
    const gw = w.requiresGrad ? takeGrad(w.size) : null;
    const gb = b?.requiresGrad ? new Float32Array(g.OC) : null;
    k.conv2dBackward(g, x.f32, w.f32, gy, gx, gw, gb, relu ? y : null, epilogue.approximate ?? false);
    return b ? [gx, gw, gb] : [gx, gw];
  });
}

export interface Pool2dOptions { kernel: Pair; stride?: Pair; padding?: Pair }

function poolGeometry(op: string, xShape: readonly number[], opts: Pool2dOptions): PoolGeometry {
  if (xShape.length !== 4) throw new ShapeError(op, `input must be NCHW (rank 4), got ${fmt(xShape)}`);
  const [N, C, H, W] = xShape;
  const [KH, KW] = pair(opts.kernel);
  const [strideH, strideW] = pair(opts.stride ?? opts.kernel);
  const [padH, padW] = pair(opts.padding ?? 0);
  if (padH * 2 > KH || padW * 2 > KW) throw new ShapeError(op, `padding ${padH},${padW} must be at most half the kernel ${KH}×${KW}`);
  const OH = Math.floor((H + 2 * padH - KH) / strideH) + 1;
  const OW = Math.floor((W + 2 * padW - KW) / strideW) + 1;
  if (OH < 1 || OW < 1 || KH < 1 || KW < 1 || strideH < 1 || strideW < 1) {
    throw new ShapeError(op, `kernel ${KH}×${KW} stride ${strideH},${strideW} does not fit input ${fmt(xShape)}`);
  }
  return { N, C, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW };
}

export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = poolGeometry('maxPool2d', x.shape, opts);
  const k = getKernels();
  const y = takeF32(g.N * g.C * g.OH * g.OW);
  // The indices of the maxima only serve the backward: a pass that records no gradient skips them,
  // and one that does takes a pooled array, which the backward (run once) hands back.
  const arg = isGradEnabled() && x.requiresGrad ? takeIndex(y.length) : null;
  k.maxPool2d(g, x.f32, y, arg);
  return record('maxPool2d', new Tensor(y, [g.N, g.C, g.OH, g.OW]), [x], (gy) => {
    const gx = takeGrad(x.size);
    k.maxPool2dBackward(g, gy, arg!, gx);
    recycleIndex(arg!);
    return [gx];
  });
}

export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x.shape, opts);
  const k = getKernels();
  const y = takeF32(g.N * g.C * g.OH * g.OW);
  k.avgPool2d(g, x.f32, y);
  return record('avgPool2d', new Tensor(y, [g.N, g.C, g.OH, g.OW]), [x], (gy) => {
    const gx = takeGrad(x.size);
    k.avgPool2dBackward(g, gy, gx);
    return [gx];
  });
}

/** Mean over H and W: [N, C, H, W] → [N, C]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.rank !== 4) throw new ShapeError('globalAvgPool2d', `input must be NCHW (rank 4), got ${fmt(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const plane = H * W, X = x.f32;
  const y = new Float32Array(N * C);
  for (let i = 0; i < N * C; i++) {
    let s = 0;
    for (let j = 0; j < plane; j++) s += X[i * plane + j];
    y[i] = s / plane;
  }
  return record('globalAvgPool2d', new Tensor(y, [N, C]), [x], (gy) => {
    const gx = new Float32Array(x.size);
    for (let i = 0; i < N * C; i++) gx.fill(gy[i] / plane, i * plane, (i + 1) * plane);
    return [gx];
  });
}
