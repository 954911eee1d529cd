// 3×3 stride-1 convolution by Winograd F(4×4, 3×3) (Lavin & Gray 2016), for float layers: a 4×4
// output tile costs 36 multiplications per (input, output) channel pair, 2.25 per output, against
// 4 for F(2×2, 3×3) (winograd.ts) and 9 for im2col + GEMM. The 36 products of a tile are 36 GEMMs
// over channels, M_ξ = U_ξ · V_ξ, between U = G g Gᵀ (6×6 per channel pair) and V = Bᵀ d B (6×6
// input patches, one per tile), and Y = Aᵀ M A:
//   G  = [[1/4, 0, 0], [−1/6, −1/6, −1/6], [−1/6, 1/6, −1/6], [1/24, 1/12, 1/6], [1/24, −1/12, 1/6], [0, 0, 1]]
//   Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
//         [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]]
//   Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]
// The same kernel computes the input gradient (filters rotated, channel roles swapped: `flip`);
// the filter gradient is at the end of this file.
// Why only where asked: the transforms scale by up to 8 and divide by 6 and 24, so the rounding is
// larger than F(2×2)'s and, unlike F(2×2) whose transforms add and halve, integer-valued operands
// (binary or spiking networks run through float convs) no longer give exact integer sums. The host
// runs this kernel only where the caller accepts that (docs/architecture.md, "conv algorithms").
//
// `p` is winogradConv's block (N Cin H W Cout pad OH OW chunkImages). Every output element depends
// on its own tile only, so the split of images over threads never changes a result.

import { gi } from './geometry';
import { gemmScratchBytes, sgemm } from './sgemm';
import { padPlanes, paddedTiles, patchAt, storeLanes, xiStride } from './winograd';

// @ts-ignore: decorator
@inline function tilesOf(n: i32): i32 { return (n + 3) >> 2; }

// Bytes of the per-thread transform scratch: 36 vectors (a tile set's 6×6 intermediate), rounded up.
const STAGE_BYTES = 640;

// A thread's scratch, in order: the transform stage (STAGE_BYTES), the chunk's zero-padded input
// planes, V (36 matrices Cin × Tmax), M (36 matrices Cout × Tmax: the forward's products, or the
// filter gradient's Z), the GEMM's scratch. Byte offsets from its start:
// @ts-ignore: decorator
@inline function vOffset(p: usize): usize {
  return <usize>STAGE_BYTES + <usize>(gi(p, 8) * (4 * tilesOf(gi(p, 6)) + 2) * (4 * tilesOf(gi(p, 7)) + 2)) * 4;
}
// @ts-ignore: decorator
@inline function maxTiles(p: usize): i32 { return paddedTiles(gi(p, 8) * tilesOf(gi(p, 6)) * tilesOf(gi(p, 7))); }
// @ts-ignore: decorator
@inline function mOffset(p: usize): usize { return vOffset(p) + <usize>(36 * xiStride(gi(p, 1) * maxTiles(p))) * 4; }
// @ts-ignore: decorator
@inline function gemmOffset(p: usize): usize { return mOffset(p) + <usize>(36 * xiStride(gi(p, 4) * maxTiles(p))) * 4; }

/** Scratch bytes per thread of winograd4Conv (see the layout above). */
export function winograd4ScratchBytes(p: usize): i32 {
  return <i32>gemmOffset(p) + gemmScratchBytes() + 64;
}

// Row r of G applied to the column [a, b, c], four filters in lanes (r a constant after inlining).
// @ts-ignore: decorator
@inline function gRow(r: i32, a: v128, b: v128, c: v128): v128 {
  if (r == 0) return f32x4.mul(a, f32x4.splat(0.25));
  if (r == 1) return f32x4.mul(f32x4.add(f32x4.add(a, b), c), f32x4.splat(<f32>(-1.0 / 6)));
  if (r == 2) return f32x4.mul(f32x4.add(f32x4.sub(a, b), c), f32x4.splat(<f32>(-1.0 / 6)));
  if (r == 3) return f32x4.mul(f32x4.add(f32x4.add(a, f32x4.mul(b, f32x4.splat(2))), f32x4.mul(c, f32x4.splat(4))), f32x4.splat(<f32>(1.0 / 24)));
  if (r == 4) return f32x4.mul(f32x4.add(f32x4.sub(a, f32x4.mul(b, f32x4.splat(2))), f32x4.mul(c, f32x4.splat(4))), f32x4.splat(<f32>(1.0 / 24)));
  return c;
}

// Row r of U = (G g) Gᵀ for four filters in lanes, given their taps gRC (row R, column C):
// t = row r of G g, one value per filter column, then u[k] = G's row k applied to t, stored at ξ = 6r + k.
// @ts-ignore: decorator
@inline function filterRow(dst: usize, plane: usize, count: i32, r: i32,
  g00: v128, g01: v128, g02: v128, g10: v128, g11: v128, g12: v128, g20: v128, g21: v128, g22: v128): void {
  const t0 = gRow(r, g00, g10, g20), t1 = gRow(r, g01, g11, g21), t2 = gRow(r, g02, g12, g22);
  const at = dst + <usize>(6 * r) * plane;
  storeLanes(at, gRow(0, t0, t1, t2), count);
  storeLanes(at + plane, gRow(1, t0, t1, t2), count);
  storeLanes(at + 2 * plane, gRow(2, t0, t1, t2), count);
  storeLanes(at + 3 * plane, gRow(3, t0, t1, t2), count);
  storeLanes(at + 4 * plane, gRow(4, t0, t1, t2), count);
  storeLanes(at + 5 * plane, gRow(5, t0, t1, t2), count);
}

// Tap k (8 − k when flip: the filter rotated by 180°) of the filters at src, src + step, … in
// lanes; lanes at or past `count` repeat the last filter.
// @ts-ignore: decorator
@inline function taps(src: usize, step: usize, k: i32, flip: i32, count: i32): v128 {
  const at = src + <usize>(flip ? 8 - k : k) * 4;
  return f32x4(load<f32>(at), load<f32>(at + <usize>min<i32>(1, count - 1) * step),
    load<f32>(at + <usize>min<i32>(2, count - 1) * step), load<f32>(at + <usize>min<i32>(3, count - 1) * step));
}

/**
 * U[ξ][o][i] = (G g Gᵀ)[ξ] for the 3×3 filter between input channel i and output channel o, for o
 * in [o0, o1), four input channels at a time in SIMD lanes (every filter gets the same
 * operations). flip = 0: g = w[o][i] (w is [Cout][Cin][3][3], the forward conv). flip = 1: g =
 * w[i][o] rotated by 180° (w is [Cin][Cout][3][3] of the forward conv whose input gradient this computes).
 */
export function winograd4Filter(w: usize, U: usize, Cout: i32, Cin: i32, flip: i32, o0: i32, o1: i32): void {
  const plane = <usize>xiStride(Cout * Cin) * 4;
  const step: usize = flip ? <usize>Cout * 36 : 36;
  for (let o = o0; o < o1; o++) {
    for (let i = 0; i < Cin; i += 4) {
      const count = min<i32>(4, Cin - i);
      const src = w + <usize>(flip ? i * Cout + o : o * Cin + i) * 36;
      const g00 = taps(src, step, 0, flip, count), g01 = taps(src, step, 1, flip, count), g02 = taps(src, step, 2, flip, count);
      const g10 = taps(src, step, 3, flip, count), g11 = taps(src, step, 4, flip, count), g12 = taps(src, step, 5, flip, count);
      const g20 = taps(src, step, 6, flip, count), g21 = taps(src, step, 7, flip, count), g22 = taps(src, step, 8, flip, count);
      const dst = U + <usize>(o * Cin + i) * 4;
      filterRow(dst, plane, count, 0, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      filterRow(dst, plane, count, 1, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      filterRow(dst, plane, count, 2, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      filterRow(dst, plane, count, 3, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      filterRow(dst, plane, count, 4, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      filterRow(dst, plane, count, 5, g00, g01, g02, g10, g11, g12, g20, g21, g22);
    }
  }
}

// Bᵀ applied to six vectors (lane = tile), results stored at at, at + step, … (the first `count`
// lanes of each): p = d4 − 4d2, q = d3 − 4d1, r = d4 − d2, s = 2(d3 − d1);
// [4(d0 − d2) + r, p + q, p − q, r + s, r − s, 4d1 − 5d3 + d5].
// @ts-ignore: decorator
@inline function bTransform(at: usize, step: usize, count: i32, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const p = f32x4.sub(d4, f32x4.mul(four, d2)), q = f32x4.sub(d3, f32x4.mul(four, d1));
  const r = f32x4.sub(d4, d2), s = f32x4.mul(two, f32x4.sub(d3, d1));
  storeLanes(at, f32x4.add(f32x4.mul(four, f32x4.sub(d0, d2)), r), count);
  storeLanes(at + step, f32x4.add(p, q), count);
  storeLanes(at + 2 * step, f32x4.sub(p, q), count);
  storeLanes(at + 3 * step, f32x4.add(r, s), count);
  storeLanes(at + 4 * step, f32x4.sub(r, s), count);
  storeLanes(at + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5), count);
}

// Column k of the 4×4 matrix whose rows are r0..r3 (k a constant after inlining).
// @ts-ignore: decorator
@inline function col4(r0: v128, r1: v128, r2: v128, r3: v128, k: i32): v128 {
  const lo = k < 2 ? v128.shuffle<f32>(r0, r1, 0, 4, 1, 5) : v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const hi = k < 2 ? v128.shuffle<f32>(r2, r3, 0, 4, 1, 5) : v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  return (k & 1) == 0 ? v128.shuffle<f32>(lo, hi, 0, 1, 4, 5) : v128.shuffle<f32>(lo, hi, 2, 3, 6, 7);
}

// V[ξ·vs + base + lane] = (Bᵀ d B)[ξ] (ξ = 6·row + column) for the four tiles whose 6×6 patches
// start at p0..p3 (row stride rs), the first `count` stored. Patch rows are read as columns 0–3
// and 2–5 (two loads a tile), transposed into lanes, transformed along the row into the stage S
// (6×6 vectors), then down each column into V.
function transformFour(p0: usize, p1: usize, p2: usize, p3: usize, rs: usize, V: usize, vs: usize, base: usize, count: i32, S: usize): void {
  for (let r = 0; r < 6; r++) {
    const o = <usize>r * rs;
    const a0 = v128.load(p0 + o), a1 = v128.load(p1 + o), a2 = v128.load(p2 + o), a3 = v128.load(p3 + o);
    const b0 = v128.load(p0 + o, 8), b1 = v128.load(p1 + o, 8), b2 = v128.load(p2 + o, 8), b3 = v128.load(p3 + o, 8);
    bTransform(S + <usize>(r * 96), 16, 4,
      col4(a0, a1, a2, a3, 0), col4(a0, a1, a2, a3, 1), col4(a0, a1, a2, a3, 2), col4(a0, a1, a2, a3, 3),
      col4(b0, b1, b2, b3, 2), col4(b0, b1, b2, b3, 3));
  }
  for (let k = 0; k < 6; k++) {
    const s = S + <usize>(k * 16);
    bTransform(V + base + <usize>k * vs, 6 * vs, count,
      v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), v128.load(s, 384), v128.load(s, 480));
  }
}

// Bᵀ d B for all T = nb·th·tw tiles of one channel (nb padded planes at P, Hp × Wp): V[ξ·vs + t].
function inputTransform(P: usize, Hp: i32, Wp: i32, nb: i32, th: i32, tw: i32, V: usize, vs: usize, S: usize): void {
  const rs = <usize>Wp * 4, plane = <usize>(Hp * Wp) * 4;
  const T = nb * th * tw, tpi = th * tw;
  for (let t = 0; t < T; t += 4) {
    // Lanes past the last tile repeat it (transformed, not stored).
    transformFour(patchAt(P, plane, rs, 4, tpi, tw, t), patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 1, T - 1)),
      patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 2, T - 1)), patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 3, T - 1)),
      rs, V, vs, <usize>t * 4, min<i32>(4, T - t), S);
  }
}

// Aᵀ applied to six vectors, the four results stored 16 bytes apart at `at`:
// a = m1 + m2, b = m1 − m2, c = m3 + m4, d = m3 − m4; [m0 + a + c, b + 2d, a + 4c, b + 8d + m5].
// @ts-ignore: decorator
@inline function aTransform(at: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(at, f32x4.add(f32x4.add(m0, a), c));
  v128.store(at, f32x4.add(b, f32x4.mul(f32x4.splat(2), d)), 16);
  v128.store(at, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)), 32);
  v128.store(at, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5), 48);
}

// Row k of four tiles' outputs: the lanes of y0..y3 are the tiles, the vectors the columns. Tile
// l's row goes to y + off_l when the row is inside the map (rows_l > k), its first cols_l columns.
// @ts-ignore: decorator
@inline function storeRowOfFour(y: usize, k: i32, rowB: usize, y0: v128, y1: v128, y2: v128, y3: v128, count: i32,
  off0: usize, off1: usize, off2: usize, off3: usize, rows0: i32, rows1: i32, rows2: i32, rows3: i32,
  cols0: i32, cols1: i32, cols2: i32, cols3: i32): void {
  const at = y + <usize>k * rowB;
  if (rows0 > k) storeLanes(at + off0, col4(y0, y1, y2, y3, 0), cols0);
  if (count > 1 && rows1 > k) storeLanes(at + off1, col4(y0, y1, y2, y3, 1), cols1);
  if (count > 2 && rows2 > k) storeLanes(at + off2, col4(y0, y1, y2, y3, 2), cols2);
  if (count > 3 && rows3 > k) storeLanes(at + off3, col4(y0, y1, y2, y3, 3), cols3);
}

// y = Aᵀ M A (+ bias, ReLU) for output channel o of the chunk's T = nb·th·tw tiles, four tiles at
// a time: y points at channel o of the chunk's first image, `imageStride` floats apart; rows and
// columns past the map are not stored. M has room past T (its rows are padded to a multiple of 4).
function outputTransform(M: usize, ms: usize, nb: i32, th: i32, tw: i32, y: usize, imageStride: i32, OH: i32, OW: i32,
  bv: v128, hasBias: bool, relu: bool, S: usize): void {
  const rowB = <usize>OW * 4;
  const T = nb * th * tw;
  const z = f32x4.splat(0);
  let n = 0, i = 0, j = 0;
  for (let t = 0; t < T; t += 4) {
    const count = min<i32>(4, T - t);
    // Where each lane's tile goes: byte offset of its top-left output, rows and columns inside the map.
    let off0: usize = 0, off1: usize = 0, off2: usize = 0, off3: usize = 0;
    let rows0 = 0, rows1 = 0, rows2 = 0, rows3 = 0, cols0 = 0, cols1 = 0, cols2 = 0, cols3 = 0;
    for (let l = 0; l < count; l++) {
      const off = <usize>(n * imageStride) * 4 + <usize>(4 * i) * rowB + <usize>(4 * j) * 4;
      const rows = min<i32>(4, OH - 4 * i), cols = min<i32>(4, OW - 4 * j);
      if (l == 0) { off0 = off; rows0 = rows; cols0 = cols; }
      else if (l == 1) { off1 = off; rows1 = rows; cols1 = cols; }
      else if (l == 2) { off2 = off; rows2 = rows; cols2 = cols; }
      else { off3 = off; rows3 = rows; cols3 = cols; }
      if (++j == tw) { j = 0; if (++i == th) { i = 0; n++; } }
    }
    // Aᵀ down each of the 6 columns into the stage (S[k][c] at S + 16·(6k + c)), then · A along the rows.
    const base = M + <usize>t * 4;
    for (let c = 0; c < 6; c++) {
      const m = base + <usize>c * ms;
      aTransform(S + <usize>(c * 64),
        v128.load(m), v128.load(m + 6 * ms), v128.load(m + 12 * ms), v128.load(m + 18 * ms), v128.load(m + 24 * ms), v128.load(m + 30 * ms));
    }
    // The stage now holds column c's four row values at S + 64c: row k of the tiles, column c, at S + 64c + 16k.
    for (let k = 0; k < 4; k++) {
      const s = S + <usize>(k * 16);
      aTransform(S + 384, v128.load(s), v128.load(s, 64), v128.load(s, 128), v128.load(s, 192), v128.load(s, 256), v128.load(s, 320));
      let y0 = v128.load(S + 384), y1 = v128.load(S + 384, 16), y2 = v128.load(S + 384, 32), y3 = v128.load(S + 384, 48);
      if (hasBias) { y0 = f32x4.add(y0, bv); y1 = f32x4.add(y1, bv); y2 = f32x4.add(y2, bv); y3 = f32x4.add(y3, bv); }
      if (relu) { y0 = f32x4.max(y0, z); y1 = f32x4.max(y1, z); y2 = f32x4.max(y2, z); y3 = f32x4.max(y3, z); }
      storeRowOfFour(y, k, rowB, y0, y1, y2, y3, count, off0, off1, off2, off3, rows0, rows1, rows2, rows3, cols0, cols1, cols2, cols3);
    }
  }
}

/**
 * y (N × Cout × OH × OW) = the 3×3 stride-1 convolution of x (N × Cin × H × W, zero padding `pad`)
 * with the transformed filters U (winograd4Filter), + bias[o] when bias ≠ 0, then ReLU when
 * relu ≠ 0, for images [n0, n1). ws: winograd4ScratchBytes(p).
 */
export function winograd4Conv(p: usize, x: usize, U: usize, y: usize, n0: i32, n1: i32, ws: usize, bias: usize, relu: i32): void {
  const Cin = gi(p, 1), H = gi(p, 2), W = gi(p, 3), Cout = gi(p, 4), pad = gi(p, 5), OH = gi(p, 6), OW = gi(p, 7), chunk = gi(p, 8);
  const th = tilesOf(OH), tw = tilesOf(OW), tpi = th * tw;
  const Hp = 4 * th + 2, Wp = 4 * tw + 2;
  const S = ws, P = ws + STAGE_BYTES, V = ws + vOffset(p), M = ws + mOffset(p), gws = ws + gemmOffset(p);
  const us = <usize>xiStride(Cout * Cin) * 4;
  for (let n = n0; n < n1; n += chunk) {
    const nb = min<i32>(chunk, n1 - n);
    const T = nb * tpi, Tp = paddedTiles(T);
    const vs = <usize>xiStride(Cin * Tp) * 4, ms = <usize>xiStride(Cout * Tp) * 4;
    for (let c = 0; c < Cin; c++) {
      padPlanes(x, Cin, H, W, pad, c, n, nb, P, Hp, Wp);
      inputTransform(P, Hp, Wp, nb, th, tw, V + <usize>(c * Tp) * 4, vs, S);
    }
    for (let xi = 0; xi < 36; xi++) {
      sgemm(0, 0, Cout, T, Cin, U + <usize>xi * us, Cin, V + <usize>xi * vs, Tp, M + <usize>xi * ms, Tp, 0, gws);
    }
    for (let o = 0; o < Cout; o++) {
      const bv = f32x4.splat(bias ? load<f32>(bias + <usize>o * 4) : 0);
      outputTransform(M + <usize>(o * Tp) * 4, ms, nb, th, tw, y + (<usize>(n * Cout + o) * <usize>(OH * OW)) * 4, Cout * OH * OW,
        OH, OW, bv, bias != 0, relu != 0, S);
    }
  }
}

// ---- filter gradient ----
// With Z = A dY Aᵀ (the 4×4 output-gradient tile lifted to 6×6), the gradient of U = G g Gᵀ is
// Σ_tiles Z ⊙ V, so dg = Gᵀ (Σ_tiles Z ⊙ V) G: 36 GEMMs D_ξ[o][i] = Σ_t Z_ξ[o][t]·V_ξ[i][t] over
// the tiles of all images, then one 6×6 → 3×3 transform per filter. The sums run over chunks of
// images in order, and a thread owns whole output channels or whole chunks, as in winograd.ts.

// A applied to four vectors [a, b, c, d] (lane = tile), the six results stored at at, at + step, …
// (the first `count` lanes): s = a + c, t = b + d, u = a + 4c, w = 2(b + 4d);
// [a, s + t, s − t, u + w, u − w, d].
// @ts-ignore: decorator
@inline function lift(at: usize, step: usize, count: i32, a: v128, b: v128, c: v128, d: v128): void {
  const s = f32x4.add(a, c), t = f32x4.add(b, d);
  const u = f32x4.add(a, f32x4.mul(f32x4.splat(4), c)), w = f32x4.mul(f32x4.splat(2), f32x4.add(b, f32x4.mul(f32x4.splat(4), d)));
  storeLanes(at, a, count);
  storeLanes(at + step, f32x4.add(s, t), count);
  storeLanes(at + 2 * step, f32x4.sub(s, t), count);
  storeLanes(at + 3 * step, f32x4.add(u, w), count);
  storeLanes(at + 4 * step, f32x4.sub(u, w), count);
  storeLanes(at + 5 * step, d, count);
}

// Z[ξ·zs + base + lane] = (A dY Aᵀ)[ξ] for the four 4×4 dY tiles at p0..p3 (row stride rs): each
// row lifted into the stage S (4 rows × 6 vectors), then each of the 6 columns into Z.
function liftFour(p0: usize, p1: usize, p2: usize, p3: usize, rs: usize, Z: usize, zs: usize, base: usize, count: i32, S: usize): void {
  for (let r = 0; r < 4; r++) {
    const o = <usize>r * rs;
    const a0 = v128.load(p0 + o), a1 = v128.load(p1 + o), a2 = v128.load(p2 + o), a3 = v128.load(p3 + o);
    lift(S + <usize>(r * 96), 16, 4, col4(a0, a1, a2, a3, 0), col4(a0, a1, a2, a3, 1), col4(a0, a1, a2, a3, 2), col4(a0, a1, a2, a3, 3));
  }
  for (let k = 0; k < 6; k++) {
    const s = S + <usize>(k * 16);
    lift(Z + base + <usize>k * zs, 6 * zs, count, v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288));
  }
}

// Z for all T = nb·th·tw tiles of one output channel (nb zero-padded dy planes of 4·th × 4·tw at P).
function gradTransform(P: usize, th: i32, tw: i32, nb: i32, Z: usize, zs: usize, S: usize): void {
  const rs = <usize>(4 * tw) * 4, plane = <usize>(16 * th * tw) * 4;
  const T = nb * th * tw, tpi = th * tw;
  for (let t = 0; t < T; t += 4) {
    liftFour(patchAt(P, plane, rs, 4, tpi, tw, t), patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 1, T - 1)),
      patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 2, T - 1)), patchAt(P, plane, rs, 4, tpi, tw, min<i32>(t + 3, T - 1)),
      rs, Z, zs, <usize>t * 4, min<i32>(4, T - t), S);
  }
}

/** Scratch bytes per thread of winograd4FilterGrad: winograd4Conv's (V, planes, GEMM) plus the accumulated D. */
export function winograd4GradScratchBytes(p: usize): i32 {
  return winograd4ScratchBytes(p) + 36 * xiStride(gi(p, 4) * gi(p, 1)) * 4 + 64;
}

/**
 * D += (or =, for the first chunk when !accumulate) the Winograd-domain filter gradient of the
 * images [n, n + nb) for output channels [o0, o1): D holds 36 matrices (o1 − o0) × Cin, ds bytes apart.
 */
function gradChunk(p: usize, x: usize, dy: usize, n: i32, nb: i32, o0: i32, o1: i32, D: usize, ds: usize, accumulate: i32, ws: usize): void {
  const Cin = gi(p, 1), H = gi(p, 2), W = gi(p, 3), Cout = gi(p, 4), pad = gi(p, 5), OH = gi(p, 6), OW = gi(p, 7);
  const th = tilesOf(OH), tw = tilesOf(OW), tpi = th * tw;
  const Hp = 4 * th + 2, Wp = 4 * tw + 2;
  const S = ws, P = ws + STAGE_BYTES, V = ws + vOffset(p), Z = ws + mOffset(p), gws = ws + gemmOffset(p);
  const O = o1 - o0;
  const T = nb * tpi, Tp = paddedTiles(T);
  const vs = <usize>xiStride(Cin * Tp) * 4, zs = <usize>xiStride(O * Tp) * 4;
  for (let c = 0; c < Cin; c++) {
    padPlanes(x, Cin, H, W, pad, c, n, nb, P, Hp, Wp);
    inputTransform(P, Hp, Wp, nb, th, tw, V + <usize>(c * Tp) * 4, vs, S);
  }
  for (let o = o0; o < o1; o++) {
    padPlanes(dy, Cout, OH, OW, 0, o, n, nb, P, 4 * th, 4 * tw);
    gradTransform(P, th, tw, nb, Z + <usize>((o - o0) * Tp) * 4, zs, S);
  }
  for (let xi = 0; xi < 36; xi++) {
    sgemm(0, 1, O, Cin, T, Z + <usize>xi * zs, Tp, V + <usize>xi * vs, Tp, D + <usize>xi * ds, Cin, accumulate, gws);
  }
}

// Row r of Gᵀ applied to [p0 … p5] (r a constant after inlining), in f64:
// [p0/4 − (p1 + p2)/6 + (p3 + p4)/24, (p2 − p1)/6 + (p3 − p4)/12, (p3 + p4 − p1 − p2)/6 + p5].
// @ts-ignore: decorator
@inline function gtRow(r: i32, p0: f64, p1: f64, p2: f64, p3: f64, p4: f64, p5: f64): f64 {
  if (r == 0) return p0 * 0.25 - (p1 + p2) / 6 + (p3 + p4) / 24;
  if (r == 1) return (p2 - p1) / 6 + (p3 - p4) / 12;
  return (p3 + p4 - p1 - p2) / 6 + p5;
}

/**
 * dw rows [o0, o1) (dw is Cout × Cin × 3 × 3) = Gᵀ D G, from D's rows [o0 − d0, o1 − d0) (36
 * matrices of Cin columns, ds bytes apart); ws: 144 bytes for the 3 × 6 intermediate (f64).
 */
function filterFromWinograd(D: usize, ds: usize, d0: i32, Cin: i32, dw: usize, o0: i32, o1: i32, ws: usize): void {
  for (let o = o0; o < o1; o++) {
    for (let i = 0; i < Cin; i++) {
      const d = D + <usize>((o - d0) * Cin + i) * 4;
      const dst = dw + <usize>((o * Cin + i) * 9) * 4;
      // e[r][k] = Gᵀ's row r applied down column k of D.
      for (let k = 0; k < 6; k++) {
        const p0: f64 = load<f32>(d + <usize>k * ds), p1: f64 = load<f32>(d + <usize>(6 + k) * ds), p2: f64 = load<f32>(d + <usize>(12 + k) * ds);
        const p3: f64 = load<f32>(d + <usize>(18 + k) * ds), p4: f64 = load<f32>(d + <usize>(24 + k) * ds), p5: f64 = load<f32>(d + <usize>(30 + k) * ds);
        store<f64>(ws + <usize>k * 8, gtRow(0, p0, p1, p2, p3, p4, p5));
        store<f64>(ws + <usize>(6 + k) * 8, gtRow(1, p0, p1, p2, p3, p4, p5));
        store<f64>(ws + <usize>(12 + k) * 8, gtRow(2, p0, p1, p2, p3, p4, p5));
      }
      for (let r = 0; r < 3; r++) {
        const e = ws + <usize>(r * 48);
        const p0 = load<f64>(e), p1 = load<f64>(e, 8), p2 = load<f64>(e, 16), p3 = load<f64>(e, 24), p4 = load<f64>(e, 32), p5 = load<f64>(e, 40);
        store<f32>(dst + <usize>(r * 3) * 4, <f32>gtRow(0, p0, p1, p2, p3, p4, p5));
        store<f32>(dst + <usize>(r * 3 + 1) * 4, <f32>gtRow(1, p0, p1, p2, p3, p4, p5));
        store<f32>(dst + <usize>(r * 3 + 2) * 4, <f32>gtRow(2, p0, p1, p2, p3, p4, p5));
      }
    }
  }
}

/**
 * dw[o] (o in [o0, o1); dw is Cout × Cin × 3 × 3) = the filter gradient of the 3×3 stride-1 conv
 * of x (N × Cin × H × W, padding `pad`) whose output gradient is dy (N × Cout × OH × OW), summed
 * over all N images chunk by chunk. p: winograd4Conv's block; ws: winograd4GradScratchBytes(p).
 */
export function winograd4FilterGrad(p: usize, x: usize, dy: usize, dw: usize, o0: i32, o1: i32, ws: usize): void {
  const N = gi(p, 0), Cin = gi(p, 1), chunk = gi(p, 8);
  if (o1 <= o0) return;
  const D = ws + <usize>winograd4ScratchBytes(p);
  const ds = <usize>xiStride((o1 - o0) * Cin) * 4;
  for (let n = 0; n < N; n += chunk) gradChunk(p, x, dy, n, min<i32>(chunk, N - n), o0, o1, D, ds, n > 0 ? 1 : 0, ws);
  filterFromWinograd(D, ds, o0, Cin, dw, o0, o1, ws);
}

/**
 * The same gradient split over image chunks: part + k·36·xiStride(Cout·Cin) floats receives chunk
 * k's Winograd-domain gradient for all output channels, for k in [k0, k1); reduceChunks adds them
 * in chunk order and winograd4FilterOut transforms the sum (the same bits as winograd4FilterGrad
 * when each chunk's GEMM is one sgemm k-block, as in winograd.ts).
 */
export function winograd4FilterGradPartials(p: usize, x: usize, dy: usize, part: usize, k0: i32, k1: i32, ws: usize): void {
  const N = gi(p, 0), Cin = gi(p, 1), Cout = gi(p, 4), chunk = gi(p, 8);
  const ds = <usize>xiStride(Cout * Cin) * 4;
  for (let k = k0; k < k1; k++) {
    const n = k * chunk;
    gradChunk(p, x, dy, n, min<i32>(chunk, N - n), 0, Cout, part + <usize>k * 36 * ds, ds, 0, ws);
  }
}

/** dw rows [o0, o1) from the reduced Winograd-domain gradient D (36 matrices Cout × Cin); ws: 144 bytes. */
export function winograd4FilterOut(p: usize, D: usize, dw: usize, o0: i32, o1: i32, ws: usize): void {
  const Cin = gi(p, 1), Cout = gi(p, 4);
  filterFromWinograd(D, <usize>xiStride(Cout * Cin) * 4, 0, Cin, dw, o0, o1, ws);
}
