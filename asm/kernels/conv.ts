// conv2d via im2col/col2im + sgemm. `g` points at 17 i32 geometry fields laid out by the host:
// N C H W OC KH KW strideH strideW padH padW dilationH dilationW groups OH OW chunkImages.

import { gi } from './geometry';
import { gemmScratchBytes, sgemm } from './sgemm';

// Short runs (one image row, 10–100 floats) dominate im2col; an inline v128 loop beats the
// memory.copy/memory.fill builtins there, whose per-call overhead on shared memory is large.
// @ts-ignore: decorator
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, v128.load(src + <usize>i * 4));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>i * 4));
}

// @ts-ignore: decorator
@inline function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, z);
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, 0);
}

// Row stride (floats) of the col and gathered dy/y matrices of `cols` columns: 16 floats more, so
// that consecutive rows do not share a cache set when cols·4 is a multiple of 4 KiB (1,024 columns,
// or a 32×32 map), where the GEMM's packing, reading a few floats of each of hundreds of rows,
// would evict its own lines. The layout only: results do not change.
// @ts-ignore: decorator
@inline function rowStride(cols: i32): i32 { return cols + 16; }

/** Scratch bytes per thread for the conv kernels (col buffer + gathered dy/y + sgemm scratch). */
export function convScratchBytes(g: usize): i32 {
  const C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const kdim = (C / G) * KH * KW;
  const cols = chunk * OHW;
  return (kdim + OC / G) * rowStride(cols) * 4 + gemmScratchBytes() + 64;
}

// col[(r - r0)][b*OHW + oh*OW + ow] = x[n0+b][g*Cg + c][ih][iw] (0 outside the image) for
// r = (c, kh, kw) in [r0, r1) within group `grp`.
function im2col(g: usize, x: usize, grp: i32, r0: i32, r1: i32, n0: i32, nb: i32, col: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), KH = gi(g, 5), KW = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), ph = gi(g, 9), pw = gi(g, 10), dh = gi(g, 11), dw = gi(g, 12);
  const G = gi(g, 13), OH = gi(g, 14), OW = gi(g, 15);
  const Cg = C / G, KHW = KH * KW, OHW = OH * OW, cols = nb * OHW;
  for (let r = r0; r < r1; r++) {
    const c = grp * Cg + r / KHW;
    const kh = (r / KW) % KH, kw = r % KW;
    const offW = kw * dw - pw;
    // ow range whose input column lies inside the image.
    let owLo = offW >= 0 ? 0 : (-offW + sw - 1) / sw;
    let owHi = W - 1 - offW < 0 ? 0 : (W - 1 - offW) / sw + 1;
    if (owHi > OW) owHi = OW;
    if (owLo > owHi) owLo = owHi;
    const rowBase = col + <usize>(r - r0) * <usize>rowStride(cols) * 4;
    for (let b = 0; b < nb; b++) {
      const plane = x + (<usize>((n0 + b) * C + c) * <usize>(H * W)) * 4;
      let d = rowBase + <usize>(b * OHW) * 4;
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * sh - ph + kh * dh;
        if (ih < 0 || ih >= H) {
          zeroF32(d, OW);
        } else {
          if (owLo > 0) zeroF32(d, owLo);
          const srow = plane + <usize>(ih * W) * 4;
          if (sw == 1) {
            copyF32(d + <usize>owLo * 4, srow + <usize>(owLo + offW) * 4, owHi - owLo);
          } else if (sw == 2) {
            // Even lanes of two loads: four outputs per step while the second load stays in the row.
            let ow = owLo;
            for (; ow + 4 <= owHi && 2 * ow + offW + 7 < W; ow += 4) {
              const s = srow + <usize>(2 * ow + offW) * 4;
              v128.store(d + <usize>ow * 4, v128.shuffle<f32>(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
            }
            for (; ow < owHi; ow++) store<f32>(d + <usize>ow * 4, load<f32>(srow + <usize>(2 * ow + offW) * 4));
          } else {
            for (let ow = owLo; ow < owHi; ow++) store<f32>(d + <usize>ow * 4, load<f32>(srow + <usize>(ow * sw + offW) * 4));
          }
          if (owHi < OW) zeroF32(d + <usize>owHi * 4, OW - owHi);
        }
        d += <usize>OW * 4;
      }
    }
  }
}

// dx[n0+b][g*Cg + c][ih][iw] += col[r][b*OHW + oh*OW + ow]: the adjoint of im2col (all rows).
function col2im(g: usize, dx: usize, grp: i32, n0: i32, nb: i32, col: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), KH = gi(g, 5), KW = gi(g, 6);
  const sh = gi(g, 7), sw = gi(g, 8), ph = gi(g, 9), pw = gi(g, 10), dh = gi(g, 11), dw = gi(g, 12);
  const G = gi(g, 13), OH = gi(g, 14), OW = gi(g, 15);
  const Cg = C / G, KHW = KH * KW, OHW = OH * OW, cols = nb * OHW;
  const kdim = Cg * KHW;
  for (let r = 0; r < kdim; r++) {
    const c = grp * Cg + r / KHW;
    const kh = (r / KW) % KH, kw = r % KW;
    const offW = kw * dw - pw;
    let owLo = offW >= 0 ? 0 : (-offW + sw - 1) / sw;
    let owHi = W - 1 - offW < 0 ? 0 : (W - 1 - offW) / sw + 1;
    if (owHi > OW) owHi = OW;
    if (owLo > owHi) owLo = owHi;
    const rowBase = col + <usize>r * <usize>rowStride(cols) * 4;
    for (let b = 0; b < nb; b++) {
      const plane = dx + (<usize>((n0 + b) * C + c) * <usize>(H * W)) * 4;
      let s = rowBase + <usize>(b * OHW) * 4;
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * sh - ph + kh * dh;
        if (ih >= 0 && ih < H) {
          const drow = plane + <usize>(ih * W) * 4;
          if (sw == 1) {
            let ow = owLo;
            const base = drow + <usize>offW * 4;
            for (; ow + 4 <= owHi; ow += 4) {
              const p = base + <usize>ow * 4;
              v128.store(p, f32x4.add(v128.load(p), v128.load(s + <usize>ow * 4)));
            }
            for (; ow < owHi; ow++) {
              const p = base + <usize>ow * 4;
              store<f32>(p, load<f32>(p) + load<f32>(s + <usize>ow * 4));
            }
          } else {
            for (let ow = owLo; ow < owHi; ow++) {
              const p = drow + <usize>(ow * sw + offW) * 4;
              store<f32>(p, load<f32>(p) + load<f32>(s + <usize>ow * 4));
            }
          }
        }
        s += <usize>OW * 4;
      }
    }
  }
}

// Copies dy/y channels [grp*OCg, +OCg) of images [n0, n0+nb) into (or, when `toImage`, back from)
// a dense OCg × (nb·OHW) matrix t.
function gatherChannels(g: usize, img: usize, grp: i32, n0: i32, nb: i32, t: usize, toImage: bool): void {
  const OC = gi(g, 4), G = gi(g, 13), OHW = gi(g, 14) * gi(g, 15);
  const OCg = OC / G, cols = nb * OHW;
  for (let oc = 0; oc < OCg; oc++) {
    for (let b = 0; b < nb; b++) {
      const pi = img + (<usize>((n0 + b) * OC + grp * OCg + oc) * <usize>OHW) * 4;
      const pt = t + (<usize>oc * <usize>rowStride(cols) + <usize>(b * OHW)) * 4;
      if (toImage) copyF32(pi, pt, OHW); else copyF32(pt, pi, OHW);
    }
  }
}

// The epilogue on y planes of images [n0, n1): += bias[channel] (when bias ≠ 0), then max(·, 0)
// (when relu ≠ 0) with the relu kernel's semantics.
function epilogue(g: usize, y: usize, bias: usize, relu: i32, n0: i32, n1: i32): void {
  const OC = gi(g, 4), OHW = gi(g, 14) * gi(g, 15);
  const z = f32x4.splat(0);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < OC; c++) {
      const b: f32 = bias ? load<f32>(bias + <usize>c * 4) : 0;
      const bv = f32x4.splat(b);
      const p = y + (<usize>(n * OC + c) * <usize>OHW) * 4;
      let i = 0;
      if (bias && relu) {
        for (; i + 4 <= OHW; i += 4) { const q = p + <usize>i * 4; v128.store(q, f32x4.max(f32x4.add(v128.load(q), bv), z)); }
        for (; i < OHW; i++) { const q = p + <usize>i * 4; store<f32>(q, max<f32>(load<f32>(q) + b, 0)); }
      } else if (bias) {
        for (; i + 4 <= OHW; i += 4) { const q = p + <usize>i * 4; v128.store(q, f32x4.add(v128.load(q), bv)); }
        for (; i < OHW; i++) { const q = p + <usize>i * 4; store<f32>(q, load<f32>(q) + b); }
      } else {
        for (; i + 4 <= OHW; i += 4) { const q = p + <usize>i * 4; v128.store(q, f32x4.max(v128.load(q), z)); }
        for (; i < OHW; i++) { const q = p + <usize>i * 4; store<f32>(q, max<f32>(load<f32>(q), 0)); }
      }
    }
  }
}

// db[c] = Σ over images and positions of dy[n][c] for channels [c0, c1): each plane is summed in
// four f32 lanes, planes are added in f64 in image order (independent of the thread split).
function biasGrad(g: usize, dy: usize, db: usize, c0: i32, c1: i32): void {
  const N = gi(g, 0), OC = gi(g, 4), OHW = gi(g, 14) * gi(g, 15);
  for (let c = c0; c < c1; c++) {
    let s: f64 = 0;
    for (let n = 0; n < N; n++) {
      const p = dy + (<usize>(n * OC + c) * <usize>OHW) * 4;
      let acc = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= OHW; i += 4) acc = f32x4.add(acc, v128.load(p + <usize>i * 4));
      let t: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      for (; i < OHW; i++) t += load<f32>(p + <usize>i * 4);
      s += <f64>t;
    }
    store<f32>(db + <usize>c * 4, <f32>s);
  }
}

/** y = conv2d(x, w) (+ bias[oc] when bias ≠ 0, then ReLU when relu ≠ 0) for images [n0, n1). */
export function conv2dForward(g: usize, x: usize, w: usize, y: usize, n0: i32, n1: i32, ws: usize, bias: usize, relu: i32): void {
  const C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * rowStride(chunk * OHW)) * 4;
  const gws = t + <usize>(OCg * rowStride(chunk * OHW)) * 4;
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      im2col(g, x, grp, 0, kdim, n, nb, col);
      const wg = w + <usize>(grp * OCg * kdim) * 4;
      if (nb == 1) {
        sgemm(0, 0, OCg, cols, kdim, wg, kdim, col, rowStride(cols), y + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, 0, gws);
      } else {
        sgemm(0, 0, OCg, cols, kdim, wg, kdim, col, rowStride(cols), t, rowStride(cols), 0, gws);
        gatherChannels(g, y, grp, n, nb, t, true);
      }
    }
    if (bias || relu) epilogue(g, y, bias, relu, n, n + nb); // while the chunk is still in cache
  }
}

/** dx = ∂L/∂x for images [n0, n1) (overwrites those images of dx). */
export function conv2dBackwardInput(g: usize, dy: usize, w: usize, dx: usize, n0: i32, n1: i32, ws: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * rowStride(chunk * OHW)) * 4;
  const gws = t + <usize>(OCg * rowStride(chunk * OHW)) * 4;
  if (n1 > n0) memory.fill(dx + <usize>(n0 * C) * <usize>(H * W) * 4, 0, <usize>((n1 - n0) * C) * <usize>(H * W) * 4);
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      const wg = w + <usize>(grp * OCg * kdim) * 4;
      if (nb == 1) {
        sgemm(1, 0, kdim, cols, OCg, wg, kdim, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, rowStride(cols), 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(1, 0, kdim, cols, OCg, wg, kdim, t, rowStride(cols), col, rowStride(cols), 0, gws);
      }
      col2im(g, dx, grp, n, nb, col);
    }
  }
}

/**
 * dw = ∂L/∂w for filter columns R in [r0, r1), where R = group·kdim + (c, kh, kw) indexes the rows
 * of the whole im2col matrix. Sums over all images in fixed chunks, so the result does not depend
 * on how [0, C·KH·KW) is split.
 */
export function conv2dBackwardFilter(g: usize, x: usize, dy: usize, dw: usize, r0: i32, r1: i32, ws: usize): void {
  const N = gi(g, 0), C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * rowStride(chunk * OHW)) * 4;
  const gws = t + <usize>(OCg * rowStride(chunk * OHW)) * 4;
  for (let grp = 0; grp < G; grp++) {
    const lo = max<i32>(r0 - grp * kdim, 0);
    const hi = min<i32>(r1 - grp * kdim, kdim);
    if (lo >= hi) continue;
    const dwg = dw + (<usize>(grp * OCg * kdim) + <usize>lo) * 4;
    for (let n = 0; n < N; n += chunk) {
      const nb = min<i32>(chunk, N - n);
      const cols = nb * OHW;
      im2col(g, x, grp, lo, hi, n, nb, col);
      if (nb == 1) {
        sgemm(0, 1, OCg, hi - lo, cols, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, rowStride(cols), dwg, kdim, n > 0 ? 1 : 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(0, 1, OCg, hi - lo, cols, t, rowStride(cols), col, rowStride(cols), dwg, kdim, n > 0 ? 1 : 0, gws);
      }
    }
  }
}

/**
 * Filter-gradient partials for image chunks [k0, k1): part[k] (OC·Cg·KH·KW floats) = the gradient
 * from images [k·chunk, (k+1)·chunk) only. Chunks are fixed by the geometry, not by the thread
 * split, and reduceChunks adds them in chunk order, so the sum is the same for any thread count.
 * Splitting images rather than filter columns keeps both threads busy when C·KH·KW is small
 * (9 for a first layer on one channel).
 */
function filterPartials(g: usize, x: usize, dy: usize, part: usize, k0: i32, k1: i32, ws: usize): void {
  const N = gi(g, 0), C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * rowStride(chunk * OHW)) * 4;
  const gws = t + <usize>(OCg * rowStride(chunk * OHW)) * 4;
  const dwLen = <usize>(OC * kdim);
  for (let k = k0; k < k1; k++) {
    const n = k * chunk;
    const nb = min<i32>(chunk, N - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      const dst = part + (<usize>k * dwLen + <usize>(grp * OCg * kdim)) * 4;
      im2col(g, x, grp, 0, kdim, n, nb, col);
      if (nb == 1) {
        sgemm(0, 1, OCg, kdim, cols, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, rowStride(cols), dst, kdim, 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(0, 1, OCg, kdim, cols, t, rowStride(cols), col, rowStride(cols), dst, kdim, 0, gws);
      }
    }
  }
}

/** dst[i] = Σ_k src[k·len + i] for k = 0 … parts − 1, added in k order, for i in [i0, i1). */
export function reduceChunks(src: usize, parts: i32, len: i32, dst: usize, i0: i32, i1: i32): void {
  const stride = <usize>len * 4;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    let acc = v128.load(src + o);
    for (let k = 1; k < parts; k++) acc = f32x4.add(acc, v128.load(src + <usize>k * stride + o));
    v128.store(dst + o, acc);
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    let acc = load<f32>(src + o);
    for (let k = 1; k < parts; k++) acc += load<f32>(src + <usize>k * stride + o);
    store<f32>(dst + o, acc);
  }
}

/**
 * All conv gradients from one staging of the operands: dx for images [n0, n1) (when dx ≠ 0), the
 * filter gradient (when part ≠ 0) and db for channels [c0, c1) (when db ≠ 0). The filter gradient
 * is split one of two ways, chosen by the host from the geometry alone: dwRows ≠ 0: `part` is dw
 * and [k0, k1) a range of its im2col rows (conv2dBackwardFilter), for filters with enough rows to
 * share; otherwise [k0, k1) are image chunks whose partials go to `part` (the host then runs
 * reduceChunks), for filters with few rows (a first layer on one channel has 9).
 */
export function conv2dBackward(g: usize, x: usize, w: usize, dy: usize, dx: usize, part: usize, db: usize,
  n0: i32, n1: i32, k0: i32, k1: i32, c0: i32, c1: i32, ws: usize, dwRows: i32): void {
  if (dx && n1 > n0) conv2dBackwardInput(g, dy, w, dx, n0, n1, ws);
  if (part && k1 > k0) {
    if (dwRows) conv2dBackwardFilter(g, x, dy, part, k0, k1, ws);
    else filterPartials(g, x, dy, part, k0, k1, ws);
  }
  if (db && c1 > c0) biasGrad(g, dy, db, c0, c1);
}
