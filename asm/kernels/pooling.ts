// Pooling over planes [p0, p1) of the N·C planes. `g` points at 12 i32 fields:
// N C H W KH KW strideH strideW padH padW OH OW.

import { gi } from './geometry';

/** y = max over each window, and argmax the flat index of the first maximum (argmax = 0: not written). */
export function maxPool2d(g: usize, x: usize, y: usize, argmax: usize, p0: i32, p1: i32): void {
  const H = gi(g, 2), W = gi(g, 3), KH = gi(g, 4), KW = gi(g, 5);
  const sh = gi(g, 6), sw = gi(g, 7), ph = gi(g, 8), pw = gi(g, 9), OH = gi(g, 10), OW = gi(g, 11);
  if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(H, W, OH, OW, x, y, argmax, p0, p1);
    return;
  }
  const HW = H * W;
  const wide3 = KW == 3 && sw == 2; // the ImageNet stem's 3×3 stride-2 pooling among others
  for (let p = p0; p < p1; p++) {
    const base = p * HW;
    const xp = x + <usize>base * 4;
    let o = <usize>(p * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const ha = max<i32>(h0, 0), hb = min<i32>(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        if (wide3 && w0 >= 0 && w0 + 10 <= W && ow + 4 <= OW) {
          // Four windows inside the row (and one column past the last, for the loads) at once.
          maxPool3Wide(xp, W, ha, hb, w0, base, y + o, argmax ? argmax + o : 0);
          o += 16;
          ow += 3;
          continue;
        }
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
        if (argmax) store<i32>(argmax + o, base + idx);
        o += 4;
      }
    }
  }
}

// Four 3-wide, stride-2 windows side by side, rows [ha, hb), starting at column w0 of the plane at
// xp (flat offset base): the three columns of each window are even/odd lanes of two pairs of loads
// (columns w0 .. w0 + 9). Cells are scanned in the same order, with the same strict comparison, as
// the general loop, so the same maximum and index win.
// @ts-ignore: decorator
@inline function maxPool3Wide(xp: usize, W: i32, ha: i32, hb: i32, w0: i32, base: i32, y: usize, argmax: usize): void {
  const two = i32x4.splat(2);
  let best = f32x4.splat(0), idx = i32x4.splat(0);
  for (let ih = ha; ih < hb; ih++) {
    const s = xp + <usize>(ih * W + w0) * 4;
    const a0 = v128.load(s), a1 = v128.load(s, 16), b0 = v128.load(s, 8), b1 = v128.load(s, 24);
    const c0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), c1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    const c2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    const i0 = i32x4.add(i32x4.splat(base + ih * W + w0), i32x4(0, 2, 4, 6));
    const i1 = i32x4.add(i0, i32x4.splat(1)), i2 = i32x4.add(i0, two);
    let m: v128;
    if (ih == ha) { best = c0; idx = i0; } else {
      m = f32x4.gt(c0, best); best = v128.bitselect(c0, best, m); idx = v128.bitselect(i0, idx, m);
    }
    m = f32x4.gt(c1, best); best = v128.bitselect(c1, best, m); idx = v128.bitselect(i1, idx, m);
    m = f32x4.gt(c2, best); best = v128.bitselect(c2, best, m); idx = v128.bitselect(i2, idx, m);
  }
  v128.store(y, best);
  if (argmax) v128.store(argmax, idx);
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
        if (argmax) v128.store(argmax + o, idx);
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
        if (argmax) store<i32>(argmax + o, idx);
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
