// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016): each
// 2×2 output tile costs 16 multiplications per (input, output) channel pair instead of 36. The
// 16 products of a tile are 16 independent GEMMs over channels, M_ξ = U_ξ · V_ξ, between
//   U = G g Gᵀ (filters, 4×4 per channel pair)  and  V = Bᵀ d B (4×4 input patches, one per tile),
// and the output tile is Y = Aᵀ M A. The transforms add and subtract only (and halve, in G), so for
// the values training produces the results differ from direct convolution by rounding alone; the
// tests bound that against the reference kernel.
//
// The same kernel computes the input gradient of a 3×3 stride-1 conv: dx is the convolution of dy
// with the filters flipped and their channel roles swapped, at padding 2 − pad (winogradFilter's
// `flip`). `p` points at 9 i32 fields laid out by the host: N Cin H W Cout pad OH OW chunkImages.
// Tiles are numbered image by image, row by row; every output element's value depends on its own
// tile only (the GEMM sums over channels in an order fixed by Cin), so the split of images over
// threads or chunks never changes a result.

import { gi } from './geometry';
import { gemmScratchBytes, sgemm } from './sgemm';

// @ts-ignore: decorator
@inline function tilesOf(n: i32): i32 { return (n + 1) >> 1; }

/** Floats in one zero-padded input plane: rows and columns cover every tile's 4×4 patch. */
// @ts-ignore: decorator
@inline function planeFloats(p: usize): i32 {
  return (2 * tilesOf(gi(p, 6)) + 2) * (2 * tilesOf(gi(p, 7)) + 2);
}

/** Scratch bytes per thread: output block, padded planes of a chunk, V (16·Cin·T), M (16·Cout·T), the GEMM's scratch. */
export function winogradScratchBytes(p: usize): i32 {
  const T = paddedTiles(gi(p, 8) * tilesOf(gi(p, 6)) * tilesOf(gi(p, 7)));
  return 64 + (gi(p, 8) * planeFloats(p) + 16 * (xiStride(gi(p, 1) * T) + xiStride(gi(p, 4) * T))) * 4 + gemmScratchBytes() + 64;
}

/**
 * Floats between the 16 matrices of U, V or M: one matrix's size plus 16 floats, so the 16 streams
 * a transform reads or writes at once do not map to the same cache set (at power-of-two sizes
 * they would, and the 8-way L1 thrashes).
 */
export function xiStride(floats: i32): i32 { return floats + 16; }

/**
 * U[ξ][o][i] = (G g Gᵀ)[ξ] for the 3×3 filter g between input channel i and output channel o, for
 * o in [o0, o1). flip = 0: g = w[o][i] (w is [Cout][Cin][3][3], the forward conv). flip = 1:
 * g = w[i][o] rotated by 180° (w is [Cin][Cout][3][3] of the forward conv whose input gradient this computes).
 */
export function winogradFilter(w: usize, U: usize, Cout: i32, Cin: i32, flip: i32, o0: i32, o1: i32): void {
  const plane = <usize>xiStride(Cout * Cin) * 4;
  for (let o = o0; o < o1; o++) {
    for (let i = 0; i < Cin; i++) {
      const src = w + <usize>(flip ? i * Cout + o : o * Cin + i) * 36;
      // g[r][c] = src[k] with k = 3r + c, or k = 8 − (3r + c) rotated.
      const g00 = tap(src, 0, flip), g01 = tap(src, 1, flip), g02 = tap(src, 2, flip);
      const g10 = tap(src, 3, flip), g11 = tap(src, 4, flip), g12 = tap(src, 5, flip);
      const g20 = tap(src, 6, flip), g21 = tap(src, 7, flip), g22 = tap(src, 8, flip);
      // t = G g: rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2; then u = t Gᵀ row by row.
      const dst = U + <usize>(o * Cin + i) * 4;
      storeRow(dst, plane, 0, g00, g01, g02);
      storeRow(dst, plane, 1, (g00 + g10 + g20) * 0.5, (g01 + g11 + g21) * 0.5, (g02 + g12 + g22) * 0.5);
      storeRow(dst, plane, 2, (g00 - g10 + g20) * 0.5, (g01 - g11 + g21) * 0.5, (g02 - g12 + g22) * 0.5);
      storeRow(dst, plane, 3, g20, g21, g22);
    }
  }
}

// @ts-ignore: decorator
@inline function tap(src: usize, k: i32, flip: i32): f32 {
  return load<f32>(src + <usize>(flip ? 8 - k : k) * 4);
}

// u[r][·] = [a, (a + b + c)/2, (a − b + c)/2, c] for row r = [a, b, c] of t, stored at ξ = 4r + col.
// @ts-ignore: decorator
@inline function storeRow(dst: usize, plane: usize, r: i32, a: f32, b: f32, c: f32): void {
  const at = dst + <usize>(r * 4) * plane;
  store<f32>(at, a);
  store<f32>(at + plane, (a + b + c) * 0.5);
  store<f32>(at + 2 * plane, (a - b + c) * 0.5);
  store<f32>(at + 3 * plane, c);
}

// Copies channel c of images [n, n + nb) into nb zero-padded planes at P (Hp × Wp each): input
// (ih, iw) at (ih + pad, iw + pad); the rows and columns past the input that tiles read stay zero.
export function padPlanes(x: usize, Cin: i32, H: i32, W: i32, pad: i32, c: i32, n: i32, nb: i32, P: usize, Hp: i32, Wp: i32): void {
  // A v128 loop rather than memory.fill, whose per-call cost on shared memory dominates small planes.
  const z = f32x4.splat(0), total = nb * Hp * Wp;
  let k = 0;
  for (; k + 4 <= total; k += 4) v128.store(P + <usize>k * 4, z);
  for (; k < total; k++) store<f32>(P + <usize>k * 4, 0);
  const rows = min<i32>(H, Hp - pad), cols = min<i32>(W, Wp - pad);
  for (let b = 0; b < nb; b++) {
    const src = x + (<usize>((n + b) * Cin + c) * <usize>(H * W)) * 4;
    const dst = P + <usize>(b * Hp * Wp) * 4;
    for (let r = 0; r < rows; r++) {
      const s = src + <usize>(r * W) * 4;
      const d = dst + <usize>((r + pad) * Wp + pad) * 4;
      let q = 0;
      for (; q + 4 <= cols; q += 4) v128.store(d + <usize>q * 4, v128.load(s + <usize>q * 4));
      for (; q < cols; q++) store<f32>(d + <usize>q * 4, load<f32>(s + <usize>q * 4));
    }
  }
}

// Stores the first `count` lanes of v at a, a + 4, … (all four as one v128 store when count is 4).
// @ts-ignore: decorator
@inline export function storeLanes(a: usize, v: v128, count: i32): void {
  if (count == 4) { v128.store(a, v); return; }
  store<f32>(a, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(a, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(a, f32x4.extract_lane(v, 2), 8);
}

// The input transform of four tiles in SIMD lanes, given the four columns q0..q3 of each patch row
// (lane = tile): d·B on each row ([q0 − q2, q1 + q2, q2 − q1, q1 − q3]), then Bᵀ down the rows,
// stored as V[ξ·vs + base + lane] (ξ = 4·row + column) for the first `count` lanes. Every path
// runs exactly these operations, so a tile's V does not depend on which path transformed it.
// @ts-ignore: decorator
@inline function transformStore(V: usize, vs: usize, base: usize, count: i32,
  a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  c0: v128, c1: v128, c2: v128, c3: v128, d0: v128, d1: v128, d2: v128, d3: v128): void {
  const x00 = f32x4.sub(a0, a2), x01 = f32x4.add(a1, a2), x02 = f32x4.sub(a2, a1), x03 = f32x4.sub(a1, a3);
  const x10 = f32x4.sub(b0, b2), x11 = f32x4.add(b1, b2), x12 = f32x4.sub(b2, b1), x13 = f32x4.sub(b1, b3);
  const x20 = f32x4.sub(c0, c2), x21 = f32x4.add(c1, c2), x22 = f32x4.sub(c2, c1), x23 = f32x4.sub(c1, c3);
  const x30 = f32x4.sub(d0, d2), x31 = f32x4.add(d1, d2), x32 = f32x4.sub(d2, d1), x33 = f32x4.sub(d1, d3);
  const at = V + base;
  storeLanes(at, f32x4.sub(x00, x20), count); storeLanes(at + vs, f32x4.sub(x01, x21), count);
  storeLanes(at + 2 * vs, f32x4.sub(x02, x22), count); storeLanes(at + 3 * vs, f32x4.sub(x03, x23), count);
  storeLanes(at + 4 * vs, f32x4.add(x10, x20), count); storeLanes(at + 5 * vs, f32x4.add(x11, x21), count);
  storeLanes(at + 6 * vs, f32x4.add(x12, x22), count); storeLanes(at + 7 * vs, f32x4.add(x13, x23), count);
  storeLanes(at + 8 * vs, f32x4.sub(x20, x10), count); storeLanes(at + 9 * vs, f32x4.sub(x21, x11), count);
  storeLanes(at + 10 * vs, f32x4.sub(x22, x12), count); storeLanes(at + 11 * vs, f32x4.sub(x23, x13), count);
  storeLanes(at + 12 * vs, f32x4.sub(x10, x30), count); storeLanes(at + 13 * vs, f32x4.sub(x11, x31), count);
  storeLanes(at + 14 * vs, f32x4.sub(x12, x32), count); storeLanes(at + 15 * vs, f32x4.sub(x13, x33), count);
}

// Four consecutive tiles of one row: their patches start two columns apart, so row r's columns
// are an even/odd deinterleave of two pairs of loads. Returns nothing; stores V for the 4 tiles.
// @ts-ignore: decorator
@inline function rowOfFour(s: usize, rs: usize, V: usize, vs: usize, base: usize): void {
  // Row r at s + r·rs: q0 = cols 0,2,4,6; q1 = 1,3,5,7; q2 = 2,4,6,8; q3 = 3,5,7,9.
  const l0 = v128.load(s), h0 = v128.load(s, 16), m0 = v128.load(s, 8), n0 = v128.load(s, 24);
  const l1 = v128.load(s + rs), h1 = v128.load(s + rs, 16), m1 = v128.load(s + rs, 8), n1 = v128.load(s + rs, 24);
  const l2 = v128.load(s + 2 * rs), h2 = v128.load(s + 2 * rs, 16), m2 = v128.load(s + 2 * rs, 8), n2 = v128.load(s + 2 * rs, 24);
  const l3 = v128.load(s + 3 * rs), h3 = v128.load(s + 3 * rs, 16), m3 = v128.load(s + 3 * rs, 8), n3 = v128.load(s + 3 * rs, 24);
  transformStore(V, vs, base, 4,
    v128.shuffle<f32>(l0, h0, 0, 2, 4, 6), v128.shuffle<f32>(l0, h0, 1, 3, 5, 7), v128.shuffle<f32>(m0, n0, 0, 2, 4, 6), v128.shuffle<f32>(m0, n0, 1, 3, 5, 7),
    v128.shuffle<f32>(l1, h1, 0, 2, 4, 6), v128.shuffle<f32>(l1, h1, 1, 3, 5, 7), v128.shuffle<f32>(m1, n1, 0, 2, 4, 6), v128.shuffle<f32>(m1, n1, 1, 3, 5, 7),
    v128.shuffle<f32>(l2, h2, 0, 2, 4, 6), v128.shuffle<f32>(l2, h2, 1, 3, 5, 7), v128.shuffle<f32>(m2, n2, 0, 2, 4, 6), v128.shuffle<f32>(m2, n2, 1, 3, 5, 7),
    v128.shuffle<f32>(l3, h3, 0, 2, 4, 6), v128.shuffle<f32>(l3, h3, 1, 3, 5, 7), v128.shuffle<f32>(m3, n3, 0, 2, 4, 6), v128.shuffle<f32>(m3, n3, 1, 3, 5, 7));
}

// Any four tiles (patches at p0..p3, row stride rs): each patch row is one load per tile, and a
// 4×4 transpose per row puts its columns in lanes. Stores the first `count` tiles.
// @ts-ignore: decorator
@inline function gatherFour(p0: usize, p1: usize, p2: usize, p3: usize, rs: usize, V: usize, vs: usize, base: usize, count: i32): void {
  const A0 = v128.load(p0), A1 = v128.load(p1), A2 = v128.load(p2), A3 = v128.load(p3);
  const B0 = v128.load(p0 + rs), B1 = v128.load(p1 + rs), B2 = v128.load(p2 + rs), B3 = v128.load(p3 + rs);
  const C0 = v128.load(p0 + 2 * rs), C1 = v128.load(p1 + 2 * rs), C2 = v128.load(p2 + 2 * rs), C3 = v128.load(p3 + 2 * rs);
  const D0 = v128.load(p0 + 3 * rs), D1 = v128.load(p1 + 3 * rs), D2 = v128.load(p2 + 3 * rs), D3 = v128.load(p3 + 3 * rs);
  transformStore(V, vs, base, count,
    col4(A0, A1, A2, A3, 0), col4(A0, A1, A2, A3, 1), col4(A0, A1, A2, A3, 2), col4(A0, A1, A2, A3, 3),
    col4(B0, B1, B2, B3, 0), col4(B0, B1, B2, B3, 1), col4(B0, B1, B2, B3, 2), col4(B0, B1, B2, B3, 3),
    col4(C0, C1, C2, C3, 0), col4(C0, C1, C2, C3, 1), col4(C0, C1, C2, C3, 2), col4(C0, C1, C2, C3, 3),
    col4(D0, D1, D2, D3, 0), col4(D0, D1, D2, D3, 1), col4(D0, D1, D2, D3, 2), col4(D0, D1, D2, D3, 3));
}

// Column k of the 4×4 matrix whose rows are r0..r3: [r0[k], r1[k], r2[k], r3[k]].
// @ts-ignore: decorator
@inline function col4(r0: v128, r1: v128, r2: v128, r3: v128, k: i32): v128 {
  const lo = k < 2 ? v128.shuffle<f32>(r0, r1, 0, 4, 1, 5) : v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const hi = k < 2 ? v128.shuffle<f32>(r2, r3, 0, 4, 1, 5) : v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  return (k & 1) == 0 ? v128.shuffle<f32>(lo, hi, 0, 1, 4, 5) : v128.shuffle<f32>(lo, hi, 2, 3, 6, 7);
}

// Bᵀ d B for all T = nb·th·tw tiles of one channel (nb padded planes at P): V[ξ·vs + t]. Rows of
// tiles whose width is a multiple of four go four tiles at a time along the row; other shapes
// (small maps: 4×4 has two tiles a row, 2×2 one) four consecutive tiles at a time in any position.
function inputTransform(P: usize, Hp: i32, Wp: i32, nb: i32, th: i32, tw: i32, V: usize, vs: usize): void {
  const rs = <usize>Wp * 4, plane = <usize>(Hp * Wp) * 4;
  if ((tw & 3) == 0) {
    for (let b = 0; b < nb; b++) {
      for (let i = 0; i < th; i++) {
        const row = P + <usize>b * plane + <usize>(2 * i) * rs;
        const t = (b * th + i) * tw;
        for (let j = 0; j < tw; j += 4) rowOfFour(row + <usize>(2 * j) * 4, rs, V, vs, <usize>(t + j) * 4);
      }
    }
    return;
  }
  const T = nb * th * tw, tpi = th * tw;
  for (let t = 0; t < T; t += 4) {
    // Lanes past the last tile repeat it (computed, not stored).
    gatherFour(patchAt(P, plane, rs, 2, tpi, tw, t), patchAt(P, plane, rs, 2, tpi, tw, min<i32>(t + 1, T - 1)),
      patchAt(P, plane, rs, 2, tpi, tw, min<i32>(t + 2, T - 1)), patchAt(P, plane, rs, 2, tpi, tw, min<i32>(t + 3, T - 1)),
      rs, V, vs, <usize>t * 4, min<i32>(4, T - t));
  }
}

/**
 * Address of tile u's input patch in padded planes at P (`plane` bytes per image, `rs` per row):
 * tiles are numbered image by image, row by row (tpi a plane, tw a row), `size` outputs apart.
 */
// @ts-ignore: decorator
@inline export function patchAt(P: usize, plane: usize, rs: usize, size: i32, tpi: i32, tw: i32, u: i32): usize {
  const b = u / tpi, r = u - b * tpi, i = r / tw, j = r - i * tw;
  return P + <usize>b * plane + <usize>(size * i) * rs + <usize>(size * j) * 4;
}

// V_ξ (Cin × Tp, ξ-matrices vs bytes apart) = Bᵀ d B for every tile of images [n, n + nb) of x:
// channel by channel, padded into the planes at P, then transformed.
function transformImages(x: usize, Cin: i32, H: i32, W: i32, pad: i32, n: i32, nb: i32, P: usize, Hp: i32, Wp: i32,
  th: i32, tw: i32, V: usize, Tp: i32, vs: usize): void {
  for (let c = 0; c < Cin; c++) {
    padPlanes(x, Cin, H, W, pad, c, n, nb, P, Hp, Wp);
    inputTransform(P, Hp, Wp, nb, th, tw, V + <usize>(c * Tp) * 4, vs);
  }
}

// Aᵀ m A for four tiles in lanes from their 16 values m_ξ (at base + ξ·ms), + bias, ReLU: writes
// the four outputs y[r][c] of each tile to the 64-byte block Y (y00, y01, y10, y11 as vectors).
// @ts-ignore: decorator
@inline function outputFour(base: usize, ms: usize, Y: usize, bv: v128, hasBias: bool, relu: bool): void {
  const m0 = v128.load(base), m1 = v128.load(base + ms), m2 = v128.load(base + 2 * ms), m3 = v128.load(base + 3 * ms);
  const m4 = v128.load(base + 4 * ms), m5 = v128.load(base + 5 * ms), m6 = v128.load(base + 6 * ms), m7 = v128.load(base + 7 * ms);
  const m8 = v128.load(base + 8 * ms), m9 = v128.load(base + 9 * ms), m10 = v128.load(base + 10 * ms), m11 = v128.load(base + 11 * ms);
  const m12 = v128.load(base + 12 * ms), m13 = v128.load(base + 13 * ms), m14 = v128.load(base + 14 * ms), m15 = v128.load(base + 15 * ms);
  // Aᵀ down the patch rows (s_r[col]), then · A along the columns.
  const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
  const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
  const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
  const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
  let y00 = f32x4.add(f32x4.add(s00, s01), s02), y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
  let y10 = f32x4.add(f32x4.add(s10, s11), s12), y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
  if (hasBias) { y00 = f32x4.add(y00, bv); y01 = f32x4.add(y01, bv); y10 = f32x4.add(y10, bv); y11 = f32x4.add(y11, bv); }
  if (relu) {
    const z = f32x4.splat(0);
    y00 = f32x4.max(y00, z); y01 = f32x4.max(y01, z); y10 = f32x4.max(y10, z); y11 = f32x4.max(y11, z);
  }
  v128.store(Y, y00); v128.store(Y, y01, 16); v128.store(Y, y10, 32); v128.store(Y, y11, 48);
}

// y = Aᵀ M A (+ bias, ReLU) for output channel o of the chunk's T = nb·th·tw tiles; y points at
// channel o of the chunk's first image, `imageStride` floats apart. Rows of tiles a multiple of
// four wide on an even-width map store eight outputs a row at once; other shapes store tile by
// tile, leaving out the row or column past an odd-sized map.
function outputTransform(M: usize, ms: usize, nb: i32, th: i32, tw: i32, y: usize, imageStride: i32, OH: i32, OW: i32,
  b: f32, hasBias: bool, relu: bool, Y: usize): void {
  const bv = f32x4.splat(b);
  const rowB = <usize>OW * 4;
  if ((tw & 3) == 0 && 2 * tw == OW) {
    for (let n = 0; n < nb; n++) {
      for (let i = 0; i < th; i++) {
        const r0 = y + <usize>(n * imageStride) * 4 + <usize>(2 * i) * rowB;
        const twoRows = 2 * i + 1 < OH;
        const t = (n * th + i) * tw;
        for (let j = 0; j < tw; j += 4) {
          outputFour(M + <usize>(t + j) * 4, ms, Y, bv, hasBias, relu);
          const y00 = v128.load(Y), y01 = v128.load(Y, 16);
          const d = r0 + <usize>(2 * j) * 4;
          v128.store(d, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5));
          v128.store(d, v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), 16);
          if (twoRows) {
            const y10 = v128.load(Y, 32), y11 = v128.load(Y, 48);
            v128.store(d + rowB, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5));
            v128.store(d + rowB, v128.shuffle<f32>(y10, y11, 2, 6, 3, 7), 16);
          }
        }
      }
    }
    return;
  }
  const T = nb * th * tw;
  let n = 0, i = 0, j = 0;
  for (let t = 0; t < T; t += 4) {
    // M has room past T (the GEMM's columns are padded to a multiple of 4): lanes past the last tile are not stored.
    outputFour(M + <usize>t * 4, ms, Y, bv, hasBias, relu);
    const count = min<i32>(4, T - t);
    for (let l = 0; l < count; l++) {
      const d = y + <usize>(n * imageStride) * 4 + <usize>(2 * i) * rowB + <usize>(2 * j) * 4;
      const o = Y + <usize>l * 4;
      const twoCols = 2 * j + 1 < OW;
      store<f32>(d, load<f32>(o));
      if (twoCols) store<f32>(d, load<f32>(o, 16), 4);
      if (2 * i + 1 < OH) {
        store<f32>(d + rowB, load<f32>(o, 32));
        if (twoCols) store<f32>(d + rowB, load<f32>(o, 48), 4);
      }
      if (++j == tw) { j = 0; if (++i == th) { i = 0; n++; } }
    }
  }
}

/**
 * y (N × Cout × OH × OW) = the 3×3 stride-1 convolution of x (N × Cin × H × W, zero padding `pad`)
 * with the transformed filters U (winogradFilter), + bias[o] when bias ≠ 0, then ReLU when
 * relu ≠ 0 (as the relu kernel computes it), for images [n0, n1). ws: winogradScratchBytes(p).
 */
export function winogradConv(p: usize, x: usize, U: usize, y: usize, n0: i32, n1: i32, ws: usize, bias: usize, relu: i32): void {
  const Cin = gi(p, 1), H = gi(p, 2), W = gi(p, 3), Cout = gi(p, 4), pad = gi(p, 5), OH = gi(p, 6), OW = gi(p, 7), chunk = gi(p, 8);
  const th = tilesOf(OH), tw = tilesOf(OW), tpi = th * tw;
  const Hp = 2 * th + 2, Wp = 2 * tw + 2;
  const Tmax = paddedTiles(chunk * tpi);
  const Y = ws;
  const P = Y + 64;
  const V = P + <usize>(chunk * Hp * Wp) * 4;
  const M = V + <usize>(16 * xiStride(Cin * Tmax)) * 4;
  const gws = M + <usize>(16 * xiStride(Cout * Tmax)) * 4;
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    // V_ξ is Cin × T and M_ξ is Cout × T (row stride Tp: a multiple of 4, so four-lane loads past
    // the last tile stay inside the matrix).
    const T = nb * tpi, Tp = paddedTiles(T);
    const vs = <usize>xiStride(Cin * Tp) * 4, ms = <usize>xiStride(Cout * Tp) * 4;
    transformImages(x, Cin, H, W, pad, n, nb, P, Hp, Wp, th, tw, V, Tp, vs);
    for (let xi = 0; xi < 16; xi++) {
      sgemm(0, 0, Cout, T, Cin, U + <usize>(xi * xiStride(Cout * Cin)) * 4, Cin, V + <usize>xi * vs, Tp, M + <usize>xi * ms, Tp, 0, gws);
    }
    for (let o = 0; o < Cout; o++) {
      const bv: f32 = bias ? load<f32>(bias + <usize>o * 4) : 0;
      outputTransform(M + <usize>(o * Tp) * 4, ms, nb, th, tw, y + (<usize>(n * Cout + o) * <usize>(OH * OW)) * 4, Cout * OH * OW,
        OH, OW, bv, bias != 0, relu != 0, Y);
    }
  }
}

// @ts-ignore: decorator
@inline export function paddedTiles(T: i32): i32 { return (T + 3) & ~3; }

// ---- filter gradient ----
// With Z = A dY Aᵀ (the 2×2 output-gradient tile lifted to 4×4), the gradient of U = G g Gᵀ is
// Σ_tiles Z ⊙ V, so dg = Gᵀ (Σ_tiles Z ⊙ V) G: 16 GEMMs D_ξ[o][i] = Σ_t Z_ξ[o][t]·V_ξ[i][t] over
// the tiles of all images (K = tiles: long, efficient sums), then one 4×4 → 3×3 transform per
// filter. The sums run over chunks of images in order, and a thread owns whole output channels,
// so no partial sums are split by thread.

// Z = A dY Aᵀ for four tiles in lanes (dY = [[a, b], [c, d]], zero past the map):
// A dY = rows [a, b], [a + c, b + d], [a − c, b − d], [−c, −d]; each row [p, q] · Aᵀ = [p, p + q, p − q, −q].
// @ts-ignore: decorator
@inline function liftStore(Z: usize, zs: usize, base: usize, count: i32, a: v128, b: v128, c: v128, d: v128): void {
  const at = Z + base;
  liftRow(at, zs, 0, count, a, b);
  liftRow(at, zs, 4, count, f32x4.add(a, c), f32x4.add(b, d));
  liftRow(at, zs, 8, count, f32x4.sub(a, c), f32x4.sub(b, d));
  liftRow(at, zs, 12, count, f32x4.neg(c), f32x4.neg(d));
}

// @ts-ignore: decorator
@inline function liftRow(at: usize, zs: usize, xi: i32, count: i32, p: v128, q: v128): void {
  storeLanes(at + <usize>xi * zs, p, count);
  storeLanes(at + <usize>(xi + 1) * zs, f32x4.add(p, q), count);
  storeLanes(at + <usize>(xi + 2) * zs, f32x4.sub(p, q), count);
  storeLanes(at + <usize>(xi + 3) * zs, f32x4.neg(q), count);
}

// Z for all T tiles of one output channel (nb zero-padded dy planes of 2·th × 2·tw at P).
function gradTransform(P: usize, th: i32, tw: i32, nb: i32, Z: usize, zs: usize): void {
  const Wq = 2 * tw, rs = <usize>Wq * 4, plane = <usize>(2 * th * Wq) * 4;
  if ((tw & 3) == 0) {
    for (let b = 0; b < nb; b++) {
      for (let i = 0; i < th; i++) {
        const row = P + <usize>b * plane + <usize>(2 * i) * rs;
        const t = (b * th + i) * tw;
        for (let j = 0; j < tw; j += 4) {
          const s = row + <usize>(2 * j) * 4;
          const l0 = v128.load(s), h0 = v128.load(s, 16), l1 = v128.load(s + rs), h1 = v128.load(s + rs, 16);
          liftStore(Z, zs, <usize>(t + j) * 4, 4,
            v128.shuffle<f32>(l0, h0, 0, 2, 4, 6), v128.shuffle<f32>(l0, h0, 1, 3, 5, 7),
            v128.shuffle<f32>(l1, h1, 0, 2, 4, 6), v128.shuffle<f32>(l1, h1, 1, 3, 5, 7));
        }
      }
    }
    return;
  }
  const T = nb * th * tw;
  let b = 0, i = 0, j = 0;
  for (let t = 0; t < T; t += 4) {
    const count = min<i32>(4, T - t);
    let a = f32x4.splat(0), bb = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
    for (let l = 0; l < count; l++) {
      const s = P + <usize>b * plane + <usize>(2 * i) * rs + <usize>(2 * j) * 4;
      const va = load<f32>(s), vb = load<f32>(s, 4), vc = load<f32>(s + rs), vd = load<f32>(s + rs, 4);
      if (l == 0) { a = f32x4.replace_lane(a, 0, va); bb = f32x4.replace_lane(bb, 0, vb); c = f32x4.replace_lane(c, 0, vc); d = f32x4.replace_lane(d, 0, vd); }
      else if (l == 1) { a = f32x4.replace_lane(a, 1, va); bb = f32x4.replace_lane(bb, 1, vb); c = f32x4.replace_lane(c, 1, vc); d = f32x4.replace_lane(d, 1, vd); }
      else if (l == 2) { a = f32x4.replace_lane(a, 2, va); bb = f32x4.replace_lane(bb, 2, vb); c = f32x4.replace_lane(c, 2, vc); d = f32x4.replace_lane(d, 2, vd); }
      else { a = f32x4.replace_lane(a, 3, va); bb = f32x4.replace_lane(bb, 3, vb); c = f32x4.replace_lane(c, 3, vc); d = f32x4.replace_lane(d, 3, vd); }
      if (++j == tw) { j = 0; if (++i == th) { i = 0; b++; } }
    }
    liftStore(Z, zs, <usize>t * 4, count, a, bb, c, d);
  }
}

/** Scratch bytes per thread of winogradFilterGrad: winogradConv's (V, planes, GEMM) plus the accumulated D. */
export function winogradGradScratchBytes(p: usize): i32 {
  return winogradScratchBytes(p) + 16 * xiStride(gi(p, 4) * gi(p, 1)) * 4 + 64;
}

/**
 * D += (or =, for the first chunk when !accumulate) the Winograd-domain filter gradient of the
 * images [n, n + nb) for output channels [o0, o1): D holds 16 matrices (o1 − o0) × Cin, ds bytes apart.
 */
function gradChunk(p: usize, x: usize, dy: usize, n: i32, nb: i32, o0: i32, o1: i32, D: usize, ds: usize, accumulate: i32, ws: usize): void {
  const Cin = gi(p, 1), H = gi(p, 2), W = gi(p, 3), Cout = gi(p, 4), pad = gi(p, 5), OH = gi(p, 6), OW = gi(p, 7), chunk = gi(p, 8);
  const th = tilesOf(OH), tw = tilesOf(OW), tpi = th * tw;
  const Hp = 2 * th + 2, Wp = 2 * tw + 2;
  const Tmax = paddedTiles(chunk * tpi);
  const P = ws + 64;
  const V = P + <usize>(chunk * Hp * Wp) * 4;
  const Z = V + <usize>(16 * xiStride(Cin * Tmax)) * 4; // the forward's M: Cout × T per ξ
  const gws = Z + <usize>(16 * xiStride(Cout * Tmax)) * 4;
  const O = o1 - o0;
  const T = nb * tpi, Tp = paddedTiles(T);
  const vs = <usize>xiStride(Cin * Tp) * 4, zs = <usize>xiStride(O * Tp) * 4;
  transformImages(x, Cin, H, W, pad, n, nb, P, Hp, Wp, th, tw, V, Tp, vs);
  for (let o = o0; o < o1; o++) {
    padPlanes(dy, Cout, OH, OW, 0, o, n, nb, P, 2 * th, 2 * tw);
    gradTransform(P, th, tw, nb, Z + <usize>((o - o0) * Tp) * 4, zs);
  }
  for (let xi = 0; xi < 16; xi++) {
    sgemm(0, 1, O, Cin, T, Z + <usize>xi * zs, Tp, V + <usize>xi * vs, Tp, D + <usize>xi * ds, Cin, accumulate, gws);
  }
}

/**
 * dw rows [o0, o1) (dw is Cout × Cin × 3 × 3) = Gᵀ D G, from D's rows [o0 − d0, o1 − d0) (16
 * matrices of Cin columns, ds bytes apart). Gᵀ = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]]: per row
 * [p0, p1, p2, p3] of D (then per column), [p0 + (p1 + p2)·½, (p1 − p2)·½, (p1 + p2)·½ + p3].
 */
function filterFromWinograd(D: usize, ds: usize, d0: i32, Cin: i32, dw: usize, o0: i32, o1: i32, ws: usize): void {
  for (let o = o0; o < o1; o++) {
    for (let i = 0; i < Cin; i++) {
      const d = D + <usize>((o - d0) * Cin + i) * 4;
      const dst = dw + <usize>((o * Cin + i) * 9) * 4;
      // e[r][k] = Gᵀ applied down column k of D (rows r = 0..2).
      for (let k = 0; k < 4; k++) {
        const p0 = load<f32>(d + <usize>k * ds), p1 = load<f32>(d + <usize>(4 + k) * ds);
        const p2 = load<f32>(d + <usize>(8 + k) * ds), p3 = load<f32>(d + <usize>(12 + k) * ds);
        const s = (p1 + p2) * 0.5;
        store<f32>(ws + <usize>k * 4, p0 + s);
        store<f32>(ws + <usize>(4 + k) * 4, (p1 - p2) * 0.5);
        store<f32>(ws + <usize>(8 + k) * 4, s + p3);
      }
      for (let r = 0; r < 3; r++) {
        const e = ws + <usize>(r * 16);
        const p0 = load<f32>(e), p1 = load<f32>(e, 4), p2 = load<f32>(e, 8), p3 = load<f32>(e, 12);
        const s = (p1 + p2) * 0.5;
        store<f32>(dst + <usize>(r * 3) * 4, p0 + s);
        store<f32>(dst + <usize>(r * 3 + 1) * 4, (p1 - p2) * 0.5);
        store<f32>(dst + <usize>(r * 3 + 2) * 4, s + p3);
      }
    }
  }
}

/**
 * dw[o] (o in [o0, o1); dw is Cout × Cin × 3 × 3) = the filter gradient of the 3×3 stride-1 conv
 * of x (N × Cin × H × W, padding `pad`) whose output gradient is dy (N × Cout × OH × OW), summed
 * over all N images chunk by chunk. p: winogradConv's block; ws: winogradGradScratchBytes(p).
 */
export function winogradFilterGrad(p: usize, x: usize, dy: usize, dw: usize, o0: i32, o1: i32, ws: usize): void {
  const N = gi(p, 0), Cin = gi(p, 1), chunk = gi(p, 8);
  if (o1 <= o0) return;
  const D = ws + <usize>winogradScratchBytes(p);
  const ds = <usize>xiStride((o1 - o0) * Cin) * 4;
  for (let n = 0; n < N; n += chunk) gradChunk(p, x, dy, n, min<i32>(chunk, N - n), o0, o1, D, ds, n > 0 ? 1 : 0, ws);
  filterFromWinograd(D, ds, o0, Cin, dw, o0, o1, ws);
}

/**
 * The same gradient split over image chunks instead of output channels: part + k·16·xiStride(Cout·Cin)
 * floats receives D_k, chunk k's Winograd-domain gradient for all output channels, for k in [k0, k1).
 * reduceChunks adds the D_k in chunk order and winogradFilterOut transforms the sum. When every
 * chunk's GEMM is one k-block of sgemm (chunk tiles ≤ gemmKc()), that is the sum winogradFilterGrad
 * accumulates, bit for bit: sgemm adds each block, summed from zero, to C.
 */
export function winogradFilterGradPartials(p: usize, x: usize, dy: usize, part: usize, k0: i32, k1: i32, ws: usize): void {
  const N = gi(p, 0), Cin = gi(p, 1), Cout = gi(p, 4), chunk = gi(p, 8);
  const ds = <usize>xiStride(Cout * Cin) * 4;
  for (let k = k0; k < k1; k++) {
    const n = k * chunk;
    gradChunk(p, x, dy, n, min<i32>(chunk, N - n), 0, Cout, part + <usize>k * 16 * ds, ds, 0, ws);
  }
}

/** dw rows [o0, o1) from the reduced Winograd-domain gradient D (16 matrices Cout × Cin); ws: 64 bytes. */
export function winogradFilterOut(p: usize, D: usize, dw: usize, o0: i32, o1: i32, ws: usize): void {
  const Cin = gi(p, 1), Cout = gi(p, 4);
  filterFromWinograd(D, <usize>xiStride(Cout * Cin) * 4, 0, Cin, dw, o0, o1, ws);
}
