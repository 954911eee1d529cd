// sgemm: C = op(A)·op(B) (+ C), packed panels and a 4×8 SIMD micro-kernel. Also the building
// block of the conv kernels (conv.ts), which is why the scratch size is exported.

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
/** sgemm's k-block: a product with K ≤ gemmKc() is summed in one block, from zero, then added to C. */
export function gemmKc(): i32 { return KC; }

export function gemmScratchBytes(): i32 {
  return MC * KC * 4 + KC * NC * 4 + MR * NR * 4;
}

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
