// Hot compute kernels (SIMD128) behind src/engine/kernels/wasm.ts.
//
// No allocation and no mutable statics: every operand and every per-thread scratch buffer is a
// pointer into the one shared memory the host manages, so each thread runs its own instance of
// this module over a disjoint range of output rows/images/planes. Per-element reduction order never
// depends on that range, which keeps results bit-identical for any thread count.

// sgemm blocking (see docs: 4×8 micro-tile in 8 f32x4 accumulators; KC×NC B block, MC×KC A block).
const MR: i32 = 4;
const NR: i32 = 8;
// KC is the largest k block; K is cut into equal blocks (288 = one block, not 256 + 32), so short
// trailing blocks don't pay a full pass over C for little work.
const KC: i32 = 320;
const MC: i32 = 128;
const NC: i32 = 512;
const PACK_A_BYTES: usize = <usize>(MC * KC * 4);
const PACK_B_BYTES: usize = <usize>(KC * NC * 4);

/** Bytes of per-thread scratch one sgemm call needs. */
export function gemmScratchBytes(): i32 {
  return MC * KC * 4 + KC * NC * 4 + MR * NR * 4;
}

// ---------------------------------------------------------------------------------------------
// sgemm

// Packs rows [i0, i0+mc) × k [p0, p0+kc) of op(A) into MR-row panels, k-major inside a panel
// (panel[k*MR + i]); rows past mc are zero so edge tiles can use the full micro-kernel.
function packA(transA: bool, A: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min<i32>(MR, mc - ir);
    const panel = dst + <usize>(ir * kc) * 4;
    if (transA) {
      // op(A)(i,k) = A[k*lda + i]: the MR rows of a panel are contiguous for each k.
      const src = A + (<usize>p0 * <usize>lda + <usize>(i0 + ir)) * 4;
      const step = <usize>lda * 4;
      if (mr == MR) {
        for (let k = 0; k < kc; k++) v128.store(panel + <usize>k * 16, v128.load(src + <usize>k * step));
      } else {
        for (let k = 0; k < kc; k++) {
          const s = src + <usize>k * step;
          const d = panel + <usize>k * 16;
          for (let i = 0; i < MR; i++) store<f32>(d + <usize>i * 4, i < mr ? load<f32>(s + <usize>i * 4) : 0);
        }
      }
    } else {
      const src = A + (<usize>(i0 + ir) * <usize>lda + <usize>p0) * 4;
      const step = <usize>lda * 4;
      if (mr == MR) {
        const r0 = src, r1 = src + step, r2 = src + 2 * step, r3 = src + 3 * step;
        let k = 0;
        // 4×4 transposes: four k values of four rows at a time.
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k * 4;
          const a0 = v128.load(r0 + o), a1 = v128.load(r1 + o), a2 = v128.load(r2 + o), a3 = v128.load(r3 + o);
          const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
          const d = panel + <usize>k * 16;
          v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
          v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
        }
        for (; k < kc; k++) {
          const o = <usize>k * 4;
          const d = panel + <usize>k * 16;
          store<f32>(d, load<f32>(r0 + o));
          store<f32>(d, load<f32>(r1 + o), 4);
          store<f32>(d, load<f32>(r2 + o), 8);
          store<f32>(d, load<f32>(r3 + o), 12);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const d = panel + <usize>k * 16;
          for (let i = 0; i < MR; i++) {
            store<f32>(d + <usize>i * 4, i < mr ? load<f32>(src + <usize>i * step + <usize>k * 4) : 0);
          }
        }
      }
    }
  }
}

// Packs k [p0, p0+kc) × columns [j0, j0+nc) of op(B) into NR-column panels (panel[k*NR + j]),
// zero beyond nc.
function packB(transB: bool, B: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min<i32>(NR, nc - jr);
    const panel = dst + <usize>(jr * kc) * 4;
    if (!transB) {
      // op(B)(k,j) = B[k*ldb + j]: NR contiguous floats per k.
      const src = B + (<usize>p0 * <usize>ldb + <usize>(j0 + jr)) * 4;
      const step = <usize>ldb * 4;
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          const s = src + <usize>k * step;
          const d = panel + <usize>k * 32;
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const s = src + <usize>k * step;
          const d = panel + <usize>k * 32;
          for (let j = 0; j < NR; j++) store<f32>(d + <usize>j * 4, j < nr ? load<f32>(s + <usize>j * 4) : 0);
        }
      }
    } else {
      // op(B)(k,j) = B[j*ldb + k]: each column is a contiguous run of k.
      const src = B + (<usize>(j0 + jr) * <usize>ldb + <usize>p0) * 4;
      const step = <usize>ldb * 4;
      if (nr == NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k * 4;
          const d = panel + <usize>k * 32;
          // Two 4×4 transposes: columns 0–3 and 4–7, four k values each.
          for (let h: usize = 0; h < 2; h++) {
            const s = src + h * 4 * step + o;
            const a0 = v128.load(s), a1 = v128.load(s + step), a2 = v128.load(s + 2 * step), a3 = v128.load(s + 3 * step);
            const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
            const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
            const dd = d + h * 16;
            v128.store(dd, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(dd, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
            v128.store(dd, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
            v128.store(dd, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
          }
        }
        for (; k < kc; k++) {
          const d = panel + <usize>k * 32;
          const s = src + <usize>k * 4;
          for (let j = 0; j < NR; j++) store<f32>(d + <usize>j * 4, load<f32>(s + <usize>j * step));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const d = panel + <usize>k * 32;
          const s = src + <usize>k * 4;
          for (let j = 0; j < NR; j++) store<f32>(d + <usize>j * 4, j < nr ? load<f32>(s + <usize>j * step) : 0);
        }
      }
    }
  }
}

// C tile (mr×nr, row stride ldc floats) = (overwrite ? 0 : C) + Σ_k a[k]·b[k]. Each accumulator
// sums its k terms in order from zero, the same for full and edge tiles.
// @ts-ignore: decorator
@inline
function micro(kc: i32, a: usize, b: usize, c: usize, ldc: i32, mr: i32, nr: i32, overwrite: bool, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a += 16;
    b += 32;
  }
  const ldcB = <usize>ldc * 4;
  if (mr == MR && nr == NR) {
    const r0 = c, r1 = c + ldcB, r2 = c + 2 * ldcB, r3 = c + 3 * ldcB;
    if (overwrite) {
      v128.store(r0, c00); v128.store(r0, c01, 16);
      v128.store(r1, c10); v128.store(r1, c11, 16);
      v128.store(r2, c20); v128.store(r2, c21, 16);
      v128.store(r3, c30); v128.store(r3, c31, 16);
    } else {
      v128.store(r0, f32x4.add(v128.load(r0), c00)); v128.store(r0, f32x4.add(v128.load(r0, 16), c01), 16);
      v128.store(r1, f32x4.add(v128.load(r1), c10)); v128.store(r1, f32x4.add(v128.load(r1, 16), c11), 16);
      v128.store(r2, f32x4.add(v128.load(r2), c20)); v128.store(r2, f32x4.add(v128.load(r2, 16), c21), 16);
      v128.store(r3, f32x4.add(v128.load(r3), c30)); v128.store(r3, f32x4.add(v128.load(r3, 16), c31), 16);
    }
  } else {
    v128.store(tile, c00); v128.store(tile, c01, 16);
    v128.store(tile, c10, 32); v128.store(tile, c11, 48);
    v128.store(tile, c20, 64); v128.store(tile, c21, 80);
    v128.store(tile, c30, 96); v128.store(tile, c31, 112);
    for (let i = 0; i < mr; i++) {
      const row = c + <usize>i * ldcB;
      const t = tile + <usize>i * 32;
      for (let j = 0; j < nr; j++) {
        const p = row + <usize>j * 4;
        const v = load<f32>(t + <usize>j * 4);
        store<f32>(p, overwrite ? v : load<f32>(p) + v);
      }
    }
  }
}

/**
 * C (M×N, row stride ldc) = op(A)·op(B) (+ C when accumulate). op(A) is M×K: A is M×K (row stride
 * lda) or, transposed, K×M. op(B) is K×N: B is K×N (ldb) or, transposed, N×K. ws: gemmScratchBytes().
 */
export function sgemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, accumulate: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * <usize>ldc * 4, 0, <usize>N * 4);
    return;
  }
  const kb = (K + (K + KC - 1) / KC - 1) / ((K + KC - 1) / KC); // ceil(K / number of blocks)
  const pa = ws;
  const pb = ws + PACK_A_BYTES;
  const tile = pb + PACK_B_BYTES;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min<i32>(NC, N - jc);
    for (let pc = 0; pc < K; pc += kb) {
      const kc = min<i32>(kb, K - pc);
      const overwrite = pc == 0 && !accumulate;
      packB(transB != 0, B, ldb, pc, kc, jc, nc, pb);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min<i32>(MC, M - ic);
        packA(transA != 0, A, lda, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min<i32>(NR, nc - jr);
          const bp = pb + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min<i32>(MR, mc - ir);
            micro(kc, pa + <usize>(ir * kc) * 4, bp,
              C + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4, ldc, mr, nr, overwrite, tile);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// conv2d via im2col/col2im + sgemm. `g` points at 17 i32 geometry fields laid out by the host:
// N C H W OC KH KW strideH strideW padH padW dilationH dilationW groups OH OW chunkImages.

// @ts-ignore: decorator
@inline function gi(g: usize, i: i32): i32 { return load<i32>(g + <usize>i * 4); }

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

/** Scratch bytes per thread for the conv kernels (col buffer + gathered dy/y + sgemm scratch). */
export function convScratchBytes(g: usize): i32 {
  const C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const kdim = (C / G) * KH * KW;
  const cols = chunk * OHW;
  return (kdim * cols + (OC / G) * cols) * 4 + gemmScratchBytes() + 64;
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
    const rowBase = col + <usize>(r - r0) * <usize>cols * 4;
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
    const rowBase = col + <usize>r * <usize>cols * 4;
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
      const pt = t + (<usize>oc * <usize>cols + <usize>(b * OHW)) * 4;
      if (toImage) copyF32(pi, pt, OHW); else copyF32(pt, pi, OHW);
    }
  }
}

/** y = conv2d(x, w) for images [n0, n1). */
// y planes of images [n0, n1) += bias[channel].
function addBias(g: usize, y: usize, bias: usize, n0: i32, n1: i32): void {
  const OC = gi(g, 4), OHW = gi(g, 14) * gi(g, 15);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < OC; c++) {
      const b = load<f32>(bias + <usize>c * 4);
      const bv = f32x4.splat(b);
      const p = y + (<usize>(n * OC + c) * <usize>OHW) * 4;
      let i = 0;
      for (; i + 4 <= OHW; i += 4) { const q = p + <usize>i * 4; v128.store(q, f32x4.add(v128.load(q), bv)); }
      for (; i < OHW; i++) { const q = p + <usize>i * 4; store<f32>(q, load<f32>(q) + b); }
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

/** y = conv2d(x, w) (+ bias[oc] when bias ≠ 0) for images [n0, n1). */
export function conv2dForward(g: usize, x: usize, w: usize, y: usize, n0: i32, n1: i32, ws: usize, bias: usize): void {
  const C = gi(g, 1), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * chunk * OHW) * 4;
  const gws = t + <usize>(OCg * chunk * OHW) * 4;
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      im2col(g, x, grp, 0, kdim, n, nb, col);
      const wg = w + <usize>(grp * OCg * kdim) * 4;
      if (nb == 1) {
        sgemm(0, 0, OCg, cols, kdim, wg, kdim, col, cols, y + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, 0, gws);
      } else {
        sgemm(0, 0, OCg, cols, kdim, wg, kdim, col, cols, t, cols, 0, gws);
        gatherChannels(g, y, grp, n, nb, t, true);
      }
    }
    if (bias) addBias(g, y, bias, n, n + nb); // while the chunk is still in cache
  }
}

/** dx = ∂L/∂x for images [n0, n1) (overwrites those images of dx). */
export function conv2dBackwardInput(g: usize, dy: usize, w: usize, dx: usize, n0: i32, n1: i32, ws: usize): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), OC = gi(g, 4), KH = gi(g, 5), KW = gi(g, 6), G = gi(g, 13);
  const OHW = gi(g, 14) * gi(g, 15), chunk = gi(g, 16);
  const OCg = OC / G, kdim = (C / G) * KH * KW;
  const col = ws;
  const t = col + <usize>(kdim * chunk * OHW) * 4;
  const gws = t + <usize>(OCg * chunk * OHW) * 4;
  if (n1 > n0) memory.fill(dx + <usize>(n0 * C) * <usize>(H * W) * 4, 0, <usize>((n1 - n0) * C) * <usize>(H * W) * 4);
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      const wg = w + <usize>(grp * OCg * kdim) * 4;
      if (nb == 1) {
        sgemm(1, 0, kdim, cols, OCg, wg, kdim, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, cols, 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(1, 0, kdim, cols, OCg, wg, kdim, t, cols, col, cols, 0, gws);
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
  const t = col + <usize>(kdim * chunk * OHW) * 4;
  const gws = t + <usize>(OCg * chunk * OHW) * 4;
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
        sgemm(0, 1, OCg, hi - lo, cols, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, cols, dwg, kdim, n > 0 ? 1 : 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(0, 1, OCg, hi - lo, cols, t, cols, col, cols, dwg, kdim, n > 0 ? 1 : 0, gws);
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
  const t = col + <usize>(kdim * chunk * OHW) * 4;
  const gws = t + <usize>(OCg * chunk * OHW) * 4;
  const dwLen = <usize>(OC * kdim);
  for (let k = k0; k < k1; k++) {
    const n = k * chunk;
    const nb = min<i32>(chunk, N - n);
    const cols = nb * OHW;
    for (let grp = 0; grp < G; grp++) {
      const dst = part + (<usize>k * dwLen + <usize>(grp * OCg * kdim)) * 4;
      im2col(g, x, grp, 0, kdim, n, nb, col);
      if (nb == 1) {
        sgemm(0, 1, OCg, kdim, cols, dy + (<usize>(n * OC + grp * OCg) * <usize>OHW) * 4, OHW, col, cols, dst, kdim, 0, gws);
      } else {
        gatherChannels(g, dy, grp, n, nb, t, false);
        sgemm(0, 1, OCg, kdim, cols, t, cols, col, cols, dst, kdim, 0, gws);
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
 * filter-gradient partials of image chunks [k0, k1) into `part` (when part ≠ 0; the host then runs
 * reduceChunks) and db for channels [c0, c1) (when db ≠ 0).
 */
export function conv2dBackward(g: usize, x: usize, w: usize, dy: usize, dx: usize, part: usize, db: usize,
  n0: i32, n1: i32, k0: i32, k1: i32, c0: i32, c1: i32, ws: usize): void {
  if (dx && n1 > n0) conv2dBackwardInput(g, dy, w, dx, n0, n1, ws);
  if (part && k1 > k0) filterPartials(g, x, dy, part, k0, k1, ws);
  if (db && c1 > c0) biasGrad(g, dy, db, c0, c1);
}

// ---------------------------------------------------------------------------------------------
// Pooling over planes [p0, p1) of the N·C planes. `g` points at 12 i32 fields:
// N C H W KH KW strideH strideW padH padW OH OW.

export function maxPool2d(g: usize, x: usize, y: usize, argmax: usize, p0: i32, p1: i32): void {
  const H = gi(g, 2), W = gi(g, 3), KH = gi(g, 4), KW = gi(g, 5);
  const sh = gi(g, 6), sw = gi(g, 7), ph = gi(g, 8), pw = gi(g, 9), OH = gi(g, 10), OW = gi(g, 11);
  if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(H, W, OH, OW, x, y, argmax, p0, p1);
    return;
  }
  const HW = H * W;
  for (let p = p0; p < p1; p++) {
    const base = p * HW;
    const xp = x + <usize>base * 4;
    let o = <usize>(p * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const ha = max<i32>(h0, 0), hb = min<i32>(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const wa = max<i32>(w0, 0), wb = min<i32>(w0 + KW, W);
        // Windows always hold at least one cell (validatePool); later cells win only when strictly
        // greater, so the first maximum wins. Selects instead of branches: maxima are unpredictable.
        let best = load<f32>(xp + <usize>(ha * W + wa) * 4);
        let idx = ha * W + wa;
        for (let ih = ha; ih < hb; ih++) {
          const row = xp + <usize>(ih * W) * 4;
          for (let iw = ih == ha ? wa + 1 : wa; iw < wb; iw++) {
            const v = load<f32>(row + <usize>iw * 4);
            const gt = v > best;
            best = select<f32>(v, best, gt);
            idx = select<i32>(ih * W + iw, idx, gt);
          }
        }
        store<f32>(y + o, best);
        store<i32>(argmax + o, base + idx);
        o += 4;
      }
    }
  }
}

// The common 2×2, stride-2, unpadded case, four outputs at a time: deinterleave two input rows into
// the four window corners and keep the first strict maximum in scan order (same rule as above).
function maxPool2x2(H: i32, W: i32, OH: i32, OW: i32, x: usize, y: usize, argmax: usize, p0: i32, p1: i32): void {
  const HW = H * W;
  const lane = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1), wv = i32x4.splat(W), w1 = i32x4.splat(W + 1);
  for (let p = p0; p < p1; p++) {
    const base = p * HW;
    let o = <usize>(p * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const i0 = base + 2 * oh * W;
      const r0 = x + <usize>i0 * 4, r1 = r0 + <usize>W * 4;
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const q = <usize>ow * 8;
        const a0 = v128.load(r0 + q), a1 = v128.load(r0 + q, 16);
        const b0 = v128.load(r1 + q), b1 = v128.load(r1 + q, 16);
        const v00 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v01 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const v10 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), v11 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const i00 = i32x4.add(i32x4.splat(i0 + 2 * ow), lane);
        let best = v00, idx = i00;
        let m = f32x4.gt(v01, best);
        best = v128.bitselect(v01, best, m); idx = v128.bitselect(i32x4.add(i00, one), idx, m);
        m = f32x4.gt(v10, best);
        best = v128.bitselect(v10, best, m); idx = v128.bitselect(i32x4.add(i00, wv), idx, m);
        m = f32x4.gt(v11, best);
        best = v128.bitselect(v11, best, m); idx = v128.bitselect(i32x4.add(i00, w1), idx, m);
        v128.store(y + o, best);
        v128.store(argmax + o, idx);
        o += 16;
      }
      for (; ow < OW; ow++) {
        const i = i0 + 2 * ow;
        let best = load<f32>(x + <usize>i * 4), idx = i;
        for (let k = 1; k < 4; k++) {
          const j = i + (k >> 1) * W + (k & 1);
          const v = load<f32>(x + <usize>j * 4);
          const gt = v > best;
          best = select<f32>(v, best, gt);
          idx = select<i32>(j, idx, gt);
        }
        store<f32>(y + o, best);
        store<i32>(argmax + o, idx);
        o += 4;
      }
    }
  }
}

/** dx planes [p0, p1) = scatter-add of dy at argmax (indices outside those planes are skipped). */
export function maxPool2dBackward(g: usize, dy: usize, argmax: usize, dx: usize, p0: i32, p1: i32): void {
  const HW = gi(g, 2) * gi(g, 3), OHW = gi(g, 10) * gi(g, 11);
  if (p1 <= p0) return;
  memory.fill(dx + <usize>(p0 * HW) * 4, 0, <usize>((p1 - p0) * HW) * 4);
  const lo = p0 * HW, hi = p1 * HW;
  for (let i = p0 * OHW, e = p1 * OHW; i < e; i++) {
    const idx = load<i32>(argmax + <usize>i * 4);
    if (idx >= lo && idx < hi) {
      const p = dx + <usize>idx * 4;
      store<f32>(p, load<f32>(p) + load<f32>(dy + <usize>i * 4));
    }
  }
}

// Window cells inside the padded input [-pad, size+pad) count in the divisor (count_include_pad).
// @ts-ignore: decorator
@inline function poolCount(h0: i32, w0: i32, KH: i32, KW: i32, H: i32, W: i32, ph: i32, pw: i32): f32 {
  const hc = min<i32>(h0 + KH, H + ph) - h0;
  const wc = min<i32>(w0 + KW, W + pw) - w0;
  return <f32>(hc * wc);
}

export function avgPool2d(g: usize, x: usize, y: usize, p0: i32, p1: i32): void {
  const H = gi(g, 2), W = gi(g, 3), KH = gi(g, 4), KW = gi(g, 5);
  const sh = gi(g, 6), sw = gi(g, 7), ph = gi(g, 8), pw = gi(g, 9), OH = gi(g, 10), OW = gi(g, 11);
  for (let p = p0; p < p1; p++) {
    const xp = x + <usize>(p * H * W) * 4;
    let o = y + <usize>(p * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const ha = max<i32>(h0, 0), hb = min<i32>(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const wa = max<i32>(w0, 0), wb = min<i32>(w0 + KW, W);
        let s: f32 = 0;
        for (let ih = ha; ih < hb; ih++) {
          const row = xp + <usize>(ih * W) * 4;
          for (let iw = wa; iw < wb; iw++) s += load<f32>(row + <usize>iw * 4);
        }
        store<f32>(o, s / poolCount(h0, w0, KH, KW, H, W, ph, pw));
        o += 4;
      }
    }
  }
}

export function avgPool2dBackward(g: usize, dy: usize, dx: usize, p0: i32, p1: i32): void {
  const H = gi(g, 2), W = gi(g, 3), KH = gi(g, 4), KW = gi(g, 5);
  const sh = gi(g, 6), sw = gi(g, 7), ph = gi(g, 8), pw = gi(g, 9), OH = gi(g, 10), OW = gi(g, 11);
  if (p1 <= p0) return;
  memory.fill(dx + <usize>(p0 * H * W) * 4, 0, <usize>((p1 - p0) * H * W) * 4);
  for (let p = p0; p < p1; p++) {
    const xp = dx + <usize>(p * H * W) * 4;
    let o = dy + <usize>(p * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const ha = max<i32>(h0, 0), hb = min<i32>(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const wa = max<i32>(w0, 0), wb = min<i32>(w0 + KW, W);
        const v = load<f32>(o) / poolCount(h0, w0, KH, KW, H, W, ph, pw);
        for (let ih = ha; ih < hb; ih++) {
          const row = xp + <usize>(ih * W) * 4;
          for (let iw = wa; iw < wb; iw++) {
            const q = row + <usize>iw * 4;
            store<f32>(q, load<f32>(q) + v);
          }
        }
        o += 4;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bit kernels. Rows are `words` u32 (a multiple of 2, so rows are whole u64s); bit j of a row is
// bit j&31 of word j>>>5; padding bits are zero.

/** Packs rows [r0, r1) of src (rows×cols floats) into sign bits (x ≥ 0 → 1). */
export function packSigns(src: usize, cols: i32, words: i32, dst: usize, r0: i32, r1: i32): void {
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>cols * 4;
    const d = dst + <usize>r * <usize>words * 4;
    const full = cols >>> 5;
    for (let wi = 0; wi < full; wi++) {
      const p = s + <usize>wi * 128;
      let bits: u32 = <u32>i32x4.bitmask(f32x4.ge(v128.load(p), zero));
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 16), zero)) << 4;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 32), zero)) << 8;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 48), zero)) << 12;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 64), zero)) << 16;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 80), zero)) << 20;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 96), zero)) << 24;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 112), zero)) << 28;
      store<u32>(d + <usize>wi * 4, bits);
    }
    let wi = full;
    const rem = cols & 31;
    if (rem) {
      let bits: u32 = 0;
      const p = s + <usize>full * 128;
      for (let j = 0; j < rem; j++) if (load<f32>(p + <usize>j * 4) >= 0) bits |= (<u32>1) << j;
      store<u32>(d + <usize>wi * 4, bits);
      wi++;
    }
    for (; wi < words; wi++) store<u32>(d + <usize>wi * 4, 0);
  }
}

/** Unpacks rows [r0, r1) to ±1 floats. */
export function unpackSigns(src: usize, cols: i32, words: i32, dst: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>words * 4;
    const d = dst + <usize>r * <usize>cols * 4;
    for (let j = 0; j < cols; j++) {
      const bit = (load<u32>(s + <usize>(j >>> 5) * 4) >>> (<u32>j & 31)) & 1;
      store<f32>(d + <usize>j * 4, bit ? <f32>1 : <f32>-1);
    }
  }
}

/** C[m·N+n] = K − 2·popcount(a_m XOR b_n) for rows m in [m0, m1). */
export function bgemm(N: i32, K: i32, words: i32, A: usize, B: usize, C: usize, m0: i32, m1: i32): void {
  const q = words >>> 1;
  const rowB = <usize>words * 4;
  let m = m0;
  for (; m + 4 <= m1; m += 4) {
    const a0 = A + <usize>m * rowB, a1 = a0 + rowB, a2 = a1 + rowB, a3 = a2 + rowB;
    let n = 0;
    for (; n + 2 <= N; n += 2) {
      const b0 = B + <usize>n * rowB, b1 = b0 + rowB;
      let s00: u64 = 0, s01: u64 = 0, s10: u64 = 0, s11: u64 = 0;
      let s20: u64 = 0, s21: u64 = 0, s30: u64 = 0, s31: u64 = 0;
      // Four words per iteration: the later loads use immediate offsets, cutting the address
      // arithmetic and loop overhead that compete with the popcounts (192 → 236 G bit-ops/s on
      // 64×1024×4608; unrolling by 8 was slower).
      let i = 0;
      for (; i + 4 <= q; i += 4) {
        const o = <usize>i * 8;
        const pb0 = b0 + o, pb1 = b1 + o, pa0 = a0 + o, pa1 = a1 + o, pa2 = a2 + o, pa3 = a3 + o;
        let w0: u64, w1: u64, x0: u64, x1: u64, x2: u64, x3: u64;
        w0 = load<u64>(pb0, 0); w1 = load<u64>(pb1, 0);
        x0 = load<u64>(pa0, 0); x1 = load<u64>(pa1, 0); x2 = load<u64>(pa2, 0); x3 = load<u64>(pa3, 0);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 8); w1 = load<u64>(pb1, 8);
        x0 = load<u64>(pa0, 8); x1 = load<u64>(pa1, 8); x2 = load<u64>(pa2, 8); x3 = load<u64>(pa3, 8);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 16); w1 = load<u64>(pb1, 16);
        x0 = load<u64>(pa0, 16); x1 = load<u64>(pa1, 16); x2 = load<u64>(pa2, 16); x3 = load<u64>(pa3, 16);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 24); w1 = load<u64>(pb1, 24);
        x0 = load<u64>(pa0, 24); x1 = load<u64>(pa1, 24); x2 = load<u64>(pa2, 24); x3 = load<u64>(pa3, 24);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
      }
      for (; i < q; i++) {
        const o = <usize>i * 8;
        const w0 = load<u64>(b0 + o), w1 = load<u64>(b1 + o);
        const x0 = load<u64>(a0 + o), x1 = load<u64>(a1 + o), x2 = load<u64>(a2 + o), x3 = load<u64>(a3 + o);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
      }
      const c = C + (<usize>m * <usize>N + <usize>n) * 4;
      const nB = <usize>N * 4;
      store<i32>(c, K - 2 * <i32>s00); store<i32>(c, K - 2 * <i32>s01, 4);
      store<i32>(c + nB, K - 2 * <i32>s10); store<i32>(c + nB, K - 2 * <i32>s11, 4);
      store<i32>(c + 2 * nB, K - 2 * <i32>s20); store<i32>(c + 2 * nB, K - 2 * <i32>s21, 4);
      store<i32>(c + 3 * nB, K - 2 * <i32>s30); store<i32>(c + 3 * nB, K - 2 * <i32>s31, 4);
    }
    for (; n < N; n++) {
      const b0 = B + <usize>n * rowB;
      let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0;
      for (let i = 0; i < q; i++) {
        const o = <usize>i * 8;
        const w0 = load<u64>(b0 + o);
        s0 += popcnt<u64>(load<u64>(a0 + o) ^ w0); s1 += popcnt<u64>(load<u64>(a1 + o) ^ w0);
        s2 += popcnt<u64>(load<u64>(a2 + o) ^ w0); s3 += popcnt<u64>(load<u64>(a3 + o) ^ w0);
      }
      const c = C + (<usize>m * <usize>N + <usize>n) * 4;
      const nB = <usize>N * 4;
      store<i32>(c, K - 2 * <i32>s0); store<i32>(c + nB, K - 2 * <i32>s1);
      store<i32>(c + 2 * nB, K - 2 * <i32>s2); store<i32>(c + 3 * nB, K - 2 * <i32>s3);
    }
  }
  for (; m < m1; m++) {
    const a0 = A + <usize>m * rowB;
    for (let n = 0; n < N; n++) {
      const b0 = B + <usize>n * rowB;
      let s: u64 = 0;
      for (let i = 0; i < q; i++) s += popcnt<u64>(load<u64>(a0 + <usize>i * 8) ^ load<u64>(b0 + <usize>i * 8));
      store<i32>(C + (<usize>m * <usize>N + <usize>n) * 4, K - 2 * <i32>s);
    }
  }
}

/** dst[r] = number of 1 bits in row r, for r in [r0, r1). */
export function popcountRows(src: usize, words: i32, dst: usize, r0: i32, r1: i32): void {
  const q = words >>> 1;
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>words * 4;
    let c: u64 = 0;
    for (let i = 0; i < q; i++) c += popcnt<u64>(load<u64>(s + <usize>i * 8));
    store<i32>(dst + <usize>r * 4, <i32>c);
  }
}

// ---------------------------------------------------------------------------------------------
// Batch normalization over x = [N, C, P] (P = H·W, 1 for dense inputs), channels [c0, c1) per
// call: every channel's statistics and outputs come from one thread, in a fixed order. Plane sums
// run in four f32 lanes and are accumulated over images in f64.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Forward. training ≠ 0: writes mean[c], variance[c] (biased) and invStd[c] = 1/√(var + eps);
 * otherwise reads mean and invStd. y = (x − mean)·invStd·γ + β (γ = 1 / β = 0 when the pointer is 0).
 * `eps` points at one f64.
 */
export function batchNormForward(N: i32, C: i32, P: i32, x: usize, gamma: usize, beta: usize, eps: usize, training: i32,
  mean: usize, variance: usize, invStd: usize, y: usize, c0: i32, c1: i32): void {
  const M = <f64>N * <f64>P;
  for (let c = c0; c < c1; c++) {
    if (training) {
      let s: f64 = 0;
      for (let n = 0; n < N; n++) {
        const p = x + (<usize>(n * C + c) * <usize>P) * 4;
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= P; i += 4) acc = f32x4.add(acc, v128.load(p + <usize>i * 4));
        let t = hsum(acc);
        for (; i < P; i++) t += load<f32>(p + <usize>i * 4);
        s += <f64>t;
      }
      const m = <f32>(s / M);
      const mv = f32x4.splat(m);
      let q: f64 = 0;
      for (let n = 0; n < N; n++) {
        const p = x + (<usize>(n * C + c) * <usize>P) * 4;
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= P; i += 4) { const d = f32x4.sub(v128.load(p + <usize>i * 4), mv); acc = f32x4.add(acc, f32x4.mul(d, d)); }
        let t = hsum(acc);
        for (; i < P; i++) { const d = load<f32>(p + <usize>i * 4) - m; t += d * d; }
        q += <f64>t;
      }
      const v = q / M;
      store<f32>(mean + <usize>c * 4, m);
      store<f32>(variance + <usize>c * 4, <f32>v);
      store<f32>(invStd + <usize>c * 4, <f32>(1 / Math.sqrt(v + load<f64>(eps))));
    }
    const m = load<f32>(mean + <usize>c * 4), sd = load<f32>(invStd + <usize>c * 4);
    const gm: f32 = gamma ? load<f32>(gamma + <usize>c * 4) : 1, bt: f32 = beta ? load<f32>(beta + <usize>c * 4) : 0;
    const mv = f32x4.splat(m), sv = f32x4.splat(sd), gv = f32x4.splat(gm), bv = f32x4.splat(bt);
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, o = y + off;
      let i = 0;
      for (; i + 4 <= P; i += 4) {
        const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
        v128.store(o + <usize>i * 4, f32x4.add(f32x4.mul(h, gv), bv));
      }
      for (; i < P; i++) store<f32>(o + <usize>i * 4, (load<f32>(p + <usize>i * 4) - m) * sd * gm + bt);
    }
  }
}

/**
 * Backward with x̂ = (x − mean)·invStd recomputed as in the forward. dbeta[c] = Σ dy,
 * dgamma[c] = Σ dy·x̂; dx = γ·invStd·(dy − Σdy/M − x̂·Σdy·x̂/M) when training, γ·invStd·dy otherwise.
 * Output pointers may be 0 (not wanted).
 */
export function batchNormBackward(N: i32, C: i32, P: i32, x: usize, dy: usize, mean: usize, invStd: usize, gamma: usize,
  training: i32, dx: usize, dgamma: usize, dbeta: usize, c0: i32, c1: i32): void {
  const M = <f64>N * <f64>P;
  for (let c = c0; c < c1; c++) {
    const m = load<f32>(mean + <usize>c * 4), sd = load<f32>(invStd + <usize>c * 4);
    const mv = f32x4.splat(m), sv = f32x4.splat(sd);
    let sDy: f64 = 0, sDyX: f64 = 0;
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, g = dy + off;
      let a = f32x4.splat(0), b = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= P; i += 4) {
        const gv = v128.load(g + <usize>i * 4);
        const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
        a = f32x4.add(a, gv);
        b = f32x4.add(b, f32x4.mul(gv, h));
      }
      let ta = hsum(a), tb = hsum(b);
      for (; i < P; i++) {
        const gv = load<f32>(g + <usize>i * 4);
        ta += gv;
        tb += gv * ((load<f32>(p + <usize>i * 4) - m) * sd);
      }
      sDy += <f64>ta; sDyX += <f64>tb;
    }
    if (dbeta) store<f32>(dbeta + <usize>c * 4, <f32>sDy);
    if (dgamma) store<f32>(dgamma + <usize>c * 4, <f32>sDyX);
    if (!dx) continue;
    const k: f32 = (gamma ? load<f32>(gamma + <usize>c * 4) : 1) * sd;
    const am: f32 = training ? <f32>(sDy / M) : 0, bm: f32 = training ? <f32>(sDyX / M) : 0;
    const kv = f32x4.splat(k), av = f32x4.splat(am), bv = f32x4.splat(bm);
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, g = dy + off, o = dx + off;
      let i = 0;
      for (; i + 4 <= P; i += 4) {
        const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
        const t = f32x4.sub(f32x4.sub(v128.load(g + <usize>i * 4), av), f32x4.mul(h, bv));
        v128.store(o + <usize>i * 4, f32x4.mul(kv, t));
      }
      for (; i < P; i++) {
        const h = (load<f32>(p + <usize>i * 4) - m) * sd;
        store<f32>(o + <usize>i * 4, k * (load<f32>(g + <usize>i * 4) - am - h * bm));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Element-wise glue, elements [i0, i1) per call.

/** y = max(x, 0) (NaN stays NaN, −0 becomes +0). */
export function relu(x: usize, y: usize, i0: i32, i1: i32): void {
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(y + <usize>i * 4, f32x4.max(v128.load(x + <usize>i * 4), z));
  for (; i < i1; i++) store<f32>(y + <usize>i * 4, max<f32>(load<f32>(x + <usize>i * 4), 0));
}

/** dx = dy where y > 0, else +0. */
export function reluBackward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), z)));
  }
  for (; i < i1; i++) store<f32>(dx + <usize>i * 4, load<f32>(y + <usize>i * 4) > 0 ? load<f32>(dy + <usize>i * 4) : 0);
}

// ---- packed binary conv (deployed BNN inference) ----

// Geometry block (i32 words) of bconv, written by src/engine/kernels/wasm.ts in this order.
const BC_INH = 0, BC_INW = 1, BC_WPP = 2, BC_KH = 3, BC_KW = 4, BC_STRIDE = 5, BC_PAD = 6, BC_GROUPS = 7, BC_CG = 8,
  BC_OCG = 9, BC_GW = 10, BC_KP = 11, BC_CORR = 12, BC_OH = 13, BC_OW = 14, BC_ROWW = 15, BC_SCORES = 16;

/** Scratch bytes per thread for bconv: four im2col rows. */
export function bconvScratchBytes(g: usize): i32 {
  return 4 * load<i32>(g + BC_ROWW * 4) * 4;
}

/** Builds the binary im2col row of output pixel (image i, oh, ow), group grp, into the zeroed words at `row`. */
// @ts-ignore: decorator
@inline function bconvRow(x: usize, grp: i32, i: i32, oh: i32, ow: i32, row: usize, inH: i32, inW: i32, wpp: i32, KH: i32, KW: i32,
  stride: i32, pad: i32, Cg: i32, gw: i32): void {
  const c0 = grp * Cg, oneWord = Cg < 32 && (c0 >>> 5) == ((c0 + Cg - 1) >>> 5);
  const mask = (<u32>1 << (<u32>Cg & 31)) - 1;
  for (let kh = 0; kh < KH; kh++) {
    const ih = oh * stride - pad + kh;
    if (ih < 0 || ih >= inH) continue;
    for (let kw = 0; kw < KW; kw++) {
      const iw = ow * stride - pad + kw;
      if (iw < 0 || iw >= inW) continue;
      const src = x + <usize>(((i * inH + ih) * inW + iw) * wpp) * 4, t = kh * KW + kw;
      if (gw) {
        const s0 = src + <usize>(grp * gw) * 4, d0 = row + <usize>(t * gw) * 4;
        for (let q = 0; q < gw; q++) store<u32>(d0 + <usize>q * 4, load<u32>(s0 + <usize>q * 4));
      } else if (oneWord) {
        // The group's channels sit in one word: shift them out as a block, place them at bit t·Cg.
        const b0 = t * Cg, sh = <u32>b0 & 31;
        const v = (load<u32>(src + <usize>(c0 >>> 5) * 4) >>> (<u32>c0 & 31)) & mask;
        const p = row + <usize>(b0 >>> 5) * 4;
        store<u32>(p, load<u32>(p) | (v << sh));
        if (sh + <u32>Cg > 32) store<u32>(p + 4, load<u32>(p + 4) | (v >>> (32 - sh)));
      } else {
        const b0 = t * Cg;
        for (let c = 0; c < Cg; c++) {
          const ch = c0 + c;
          if ((load<u32>(src + <usize>(ch >>> 5) * 4) >>> (<u32>ch & 31)) & 1) {
            const b = b0 + c, p = row + <usize>(b >>> 5) * 4;
            store<u32>(p, load<u32>(p) | (<u32>1 << (<u32>b & 31)));
          }
        }
      }
    }
  }
}

/** Stores i32 scores of channel oc for nb ≤ 4 pixels. */
// @ts-ignore: decorator
@inline function bconvScores(out: usize, r: i32, nb: i32, oc: i32, OC: i32, y0: i32, y1: i32, y2: i32, y3: i32): void {
  const c = out + (<usize>r * <usize>OC + <usize>oc) * 4, st = <usize>OC * 4;
  store<i32>(c, y0);
  if (nb > 1) store<i32>(c + st, y1);
  if (nb > 2) store<i32>(c + 2 * st, y2);
  if (nb > 3) store<i32>(c + 3 * st, y3);
}

/** ORs the pending threshold bits of nb ≤ 4 pixels into output word `word`. */
// @ts-ignore: decorator
@inline function bconvFlush(out: usize, r: i32, nb: i32, word: i32, owpp: i32, p0: u32, p1: u32, p2: u32, p3: u32): void {
  const p = out + (<usize>r * <usize>owpp + <usize>word) * 4, st = <usize>owpp * 4;
  store<u32>(p, load<u32>(p) | p0);
  if (nb > 1) store<u32>(p + st, load<u32>(p + st) | p1);
  if (nb > 2) store<u32>(p + 2 * st, load<u32>(p + 2 * st) | p2);
  if (nb > 3) store<u32>(p + 3 * st, load<u32>(p + 3 * st) | p3);
}

/**
 * One deployed binary conv/dense layer for output pixels (im2col rows) [r0, r1): binary im2col,
 * XNOR-popcount against every weight row of the pixel's group, then y = Kp − 2·popcount − corr
 * (the true ±1 dot product). Threshold mode writes bit (y ≥ thr[oc]) into ⌈OC/32⌉ words per pixel;
 * score mode (geometry BC_SCORES = 1) writes y as i32. Four pixels × two channels per step, as in
 * bgemm, so each loaded word serves several popcounts; threshold bits are built branch-free (random
 * bits defeat branch prediction) in registers and stored once per 32 channels.
 */
export function bconv(g: usize, x: usize, w: usize, thr: usize, out: usize, r0: i32, r1: i32, scratch: usize): void {
  const inH = load<i32>(g + BC_INH * 4), inW = load<i32>(g + BC_INW * 4), wpp = load<i32>(g + BC_WPP * 4);
  const KH = load<i32>(g + BC_KH * 4), KW = load<i32>(g + BC_KW * 4), stride = load<i32>(g + BC_STRIDE * 4), pad = load<i32>(g + BC_PAD * 4);
  const Cg = load<i32>(g + BC_CG * 4), gw = load<i32>(g + BC_GW * 4), OH = load<i32>(g + BC_OH * 4), OW = load<i32>(g + BC_OW * 4);
  const groups = load<i32>(g + BC_GROUPS * 4), OCg = load<i32>(g + BC_OCG * 4), rw = load<i32>(g + BC_ROWW * 4);
  const Kp = load<i32>(g + BC_KP * 4), corr = load<i32>(g + BC_CORR * 4), scores = load<i32>(g + BC_SCORES * 4);
  const OC = groups * OCg, owpp = (OC + 31) >>> 5, q = rw >>> 1, rowB = <usize>rw * 4, base = Kp - corr;
  // (image, oh, ow) of row r, advanced incrementally (wasm integer division is slow)
  let ow0 = r0 % OW, oh0 = (r0 / OW) % OH, i0 = r0 / (OW * OH);
  for (let r = r0; r < r1; r += 4) {
    const nb = min(4, r1 - r);
    if (!scores) memory.fill(out + <usize>r * <usize>owpp * 4, 0, <usize>nb * <usize>owpp * 4);
    for (let grp = 0; grp < groups; grp++) {
      memory.fill(scratch, 0, <usize>4 * rowB);
      let ow = ow0, oh = oh0, i = i0;
      for (let b = 0; b < nb; b++) {
        bconvRow(x, grp, i, oh, ow, scratch + <usize>b * rowB, inH, inW, wpp, KH, KW, stride, pad, Cg, gw);
        if (++ow == OW) { ow = 0; if (++oh == OH) { oh = 0; i++; } }
      }
      if (grp == groups - 1) { ow0 = ow; oh0 = oh; i0 = i; }
      const a0 = scratch, a1 = a0 + rowB, a2 = a1 + rowB, a3 = a2 + rowB;
      let p0: u32 = 0, p1: u32 = 0, p2: u32 = 0, p3: u32 = 0;
      for (let j = 0; j < OCg; j += 2) {
        const oc = grp * OCg + j, two = j + 1 < OCg;
        const v0p = w + <usize>oc * rowB, v1p = two ? v0p + rowB : v0p;
        let s00: u64 = 0, s10: u64 = 0, s20: u64 = 0, s30: u64 = 0, s01: u64 = 0, s11: u64 = 0, s21: u64 = 0, s31: u64 = 0;
        for (let i = 0; i < q; i++) {
          const o = <usize>i * 8, v0 = load<u64>(v0p + o), v1 = load<u64>(v1p + o);
          const x0 = load<u64>(a0 + o), x1 = load<u64>(a1 + o), x2 = load<u64>(a2 + o), x3 = load<u64>(a3 + o);
          s00 += popcnt<u64>(x0 ^ v0); s10 += popcnt<u64>(x1 ^ v0); s20 += popcnt<u64>(x2 ^ v0); s30 += popcnt<u64>(x3 ^ v0);
          s01 += popcnt<u64>(x0 ^ v1); s11 += popcnt<u64>(x1 ^ v1); s21 += popcnt<u64>(x2 ^ v1); s31 += popcnt<u64>(x3 ^ v1);
        }
        if (scores) {
          bconvScores(out, r, nb, oc, OC, base - 2 * <i32>s00, base - 2 * <i32>s10, base - 2 * <i32>s20, base - 2 * <i32>s30);
          if (two) bconvScores(out, r, nb, oc + 1, OC, base - 2 * <i32>s01, base - 2 * <i32>s11, base - 2 * <i32>s21, base - 2 * <i32>s31);
          continue;
        }
        // bit = (y ≥ T) = sign bit of (T − 1 − y)
        const t0 = load<i32>(thr + <usize>oc * 4) - 1 - base, sh0 = <u32>oc & 31;
        p0 |= (<u32>(t0 + 2 * <i32>s00) >>> 31) << sh0; p1 |= (<u32>(t0 + 2 * <i32>s10) >>> 31) << sh0;
        p2 |= (<u32>(t0 + 2 * <i32>s20) >>> 31) << sh0; p3 |= (<u32>(t0 + 2 * <i32>s30) >>> 31) << sh0;
        if (sh0 == 31 || j + 1 == OCg) { bconvFlush(out, r, nb, oc >>> 5, owpp, p0, p1, p2, p3); p0 = 0; p1 = 0; p2 = 0; p3 = 0; }
        if (!two) continue;
        const oc1 = oc + 1, t1 = load<i32>(thr + <usize>oc1 * 4) - 1 - base, sh1 = <u32>oc1 & 31;
        p0 |= (<u32>(t1 + 2 * <i32>s01) >>> 31) << sh1; p1 |= (<u32>(t1 + 2 * <i32>s11) >>> 31) << sh1;
        p2 |= (<u32>(t1 + 2 * <i32>s21) >>> 31) << sh1; p3 |= (<u32>(t1 + 2 * <i32>s31) >>> 31) << sh1;
        if (sh1 == 31 || j + 2 == OCg) { bconvFlush(out, r, nb, oc1 >>> 5, owpp, p0, p1, p2, p3); p0 = 0; p1 = 0; p2 = 0; p3 = 0; }
      }
    }
  }
}
