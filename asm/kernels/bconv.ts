// Packed binary conv (deployed BNN inference): binary im2col + XNOR-popcount + integer thresholds.

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
