// Bernoulli-mixture EM kernels (SIMD128, f64x2). Twin of src/bmm/kernels-reference.ts: every f64 sum
// is taken in the same order, so both produce bit-identical results (checked by test/bmm).
//
// Layouts (all f64, `stride` = K rounded up to even, lanes ≥ K are zero):
//   weights  [bitsPadded][stride]      bitsPadded = 8·P, P = byte positions = ceil(bits / 8)
//   tables   [P][256][stride]          T[p][v][k] = Σ over set bits j of v of weights[8p + j][k]
//   scores   [n][stride]               Σ over set bits d of row i of weights[d][k]
//   gamma    [n][stride]
//   hist     [P][256][stride]          Σ_i gamma[i][k] over rows whose byte p equals v
//   sums     [bitsPadded][stride]      Σ_i gamma[i][k] · z_id
// Rows are packed LSB-first, so byte p of a row in little-endian memory holds bits 8p..8p+7.
// The caller owns the memory: JS grows it once and passes byte offsets above heapBase().

// Mirrors POSTERIOR_FLUSH in src/bmm/kernels.ts.
const FLUSH: f64 = -40;

export function heapBase(): usize {
  return __heap_base;
}

/** T[p][v] = T[p][v & (v − 1)] + weights[8p + ctz(v)]; T[p][0] = 0. */
export function buildTables(weights: usize, P: i32, stride: i32, tables: usize): void {
  const eb = <usize>stride << 3;
  const zero = f64x2.splat(0);
  for (let p = 0; p < P; p++) {
    const tp = tables + ((<usize>p << 8) * eb);
    for (let kb: usize = 0; kb < eb; kb += 16) v128.store(tp + kb, zero);
    const wp = weights + (<usize>(p << 3) * eb);
    for (let v = 1; v < 256; v++) {
      const src = tp + <usize>(v & (v - 1)) * eb;
      const w = wp + <usize>ctz(v) * eb;
      const dst = tp + <usize>v * eb;
      for (let kb: usize = 0; kb < eb; kb += 16) {
        v128.store(dst + kb, f64x2.add(v128.load(src + kb), v128.load(w + kb)));
      }
    }
  }
}

/**
 * scores[i][k] = Σ_p T[p][byte_p(row i)][k]. Four accumulators (one per byte lane of a word, lane
 * p & 3) break the add dependency chain; they are combined as (a0 + a1) + (a2 + a3). Lanes are
 * processed four at a time (two f64x2), then two at a time, each group in its own pass over the rows.
 */
export function scores(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, tables: usize, out: usize): void {
  let lane = 0;
  for (; lane + 4 <= stride; lane += 4) scores4(data, n, rowBytes, P, stride, tables, out, lane);
  if (lane < stride) scores2(data, n, rowBytes, P, stride, tables, out, lane);
}

function scores4(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, tables: usize, out: usize, lane: i32): void {
  const eb = <usize>stride << 3;
  const step = eb << 8;
  const off = <usize>lane << 3;
  for (let i = 0; i < n; i++) {
    const row = data + <usize>i * <usize>rowBytes;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
    let t = tables + off;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      const w = load<u32>(row + <usize>p);
      const e0 = t + <usize>(w & 255) * eb;
      const e1 = t + step + <usize>((w >>> 8) & 255) * eb;
      const e2 = t + 2 * step + <usize>((w >>> 16) & 255) * eb;
      const e3 = t + 3 * step + <usize>(w >>> 24) * eb;
      a0 = f64x2.add(a0, v128.load(e0));
      b0 = f64x2.add(b0, v128.load(e0, 16));
      a1 = f64x2.add(a1, v128.load(e1));
      b1 = f64x2.add(b1, v128.load(e1, 16));
      a2 = f64x2.add(a2, v128.load(e2));
      b2 = f64x2.add(b2, v128.load(e2, 16));
      a3 = f64x2.add(a3, v128.load(e3));
      b3 = f64x2.add(b3, v128.load(e3, 16));
      t += 4 * step;
    }
    // Tail bytes (P not a multiple of 4, so p & 3 ∈ {0, 1, 2}) go to the accumulator of their lane.
    for (; p < P; p++) {
      const e = t + <usize>load<u8>(row + <usize>p) * eb;
      const q = p & 3;
      if (q == 0) { a0 = f64x2.add(a0, v128.load(e)); b0 = f64x2.add(b0, v128.load(e, 16)); }
      else if (q == 1) { a1 = f64x2.add(a1, v128.load(e)); b1 = f64x2.add(b1, v128.load(e, 16)); }
      else { a2 = f64x2.add(a2, v128.load(e)); b2 = f64x2.add(b2, v128.load(e, 16)); }
      t += step;
    }
    const o = out + <usize>i * eb + off;
    v128.store(o, f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
    v128.store(o, f64x2.add(f64x2.add(b0, b1), f64x2.add(b2, b3)), 16);
  }
}

function scores2(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, tables: usize, out: usize, lane: i32): void {
  const eb = <usize>stride << 3;
  const step = eb << 8;
  const off = <usize>lane << 3;
  for (let i = 0; i < n; i++) {
    const row = data + <usize>i * <usize>rowBytes;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let t = tables + off;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      const w = load<u32>(row + <usize>p);
      a0 = f64x2.add(a0, v128.load(t + <usize>(w & 255) * eb));
      a1 = f64x2.add(a1, v128.load(t + step + <usize>((w >>> 8) & 255) * eb));
      a2 = f64x2.add(a2, v128.load(t + 2 * step + <usize>((w >>> 16) & 255) * eb));
      a3 = f64x2.add(a3, v128.load(t + 3 * step + <usize>(w >>> 24) * eb));
      t += 4 * step;
    }
    for (; p < P; p++) {
      const e = t + <usize>load<u8>(row + <usize>p) * eb;
      const q = p & 3;
      if (q == 0) a0 = f64x2.add(a0, v128.load(e));
      else if (q == 1) a1 = f64x2.add(a1, v128.load(e));
      else a2 = f64x2.add(a2, v128.load(e));
      t += step;
    }
    v128.store(out + <usize>i * eb + off, f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
  }
}

/**
 * hist = 0, then hist[p][byte_p(row i)] += gamma[i][0 .. stride) for every row in order. gamma rows
 * are `gammaStride` ≥ stride f64 apart, so the first lanes of the posterior buffer can be read in place.
 */
export function accumulate(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, gamma: usize, gammaStride: i32, hist: usize): void {
  const eb = <usize>stride << 3;
  memory.fill(hist, 0, <usize>P * (eb << 8));
  let lane = 0;
  for (; lane + 4 <= stride; lane += 4) accumulate4(data, n, rowBytes, P, stride, gamma, gammaStride, hist, lane);
  if (lane < stride) accumulate2(data, n, rowBytes, P, stride, gamma, gammaStride, hist, lane);
}

function accumulate4(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, gamma: usize, gammaStride: i32, hist: usize, lane: i32): void {
  const eb = <usize>stride << 3;
  const step = eb << 8;
  const off = <usize>lane << 3;
  for (let i = 0; i < n; i++) {
    const row = data + <usize>i * <usize>rowBytes;
    const g = gamma + <usize>i * (<usize>gammaStride << 3) + off;
    const g0 = v128.load(g);
    const g1 = v128.load(g, 16);
    if (!v128.any_true(v128.or(g0, g1))) continue; // adding +0 changes nothing
    let t = hist + off;
    for (let p = 0; p < P; p++) {
      const e = t + <usize>load<u8>(row + <usize>p) * eb;
      v128.store(e, f64x2.add(v128.load(e), g0));
      v128.store(e, f64x2.add(v128.load(e, 16), g1), 16);
      t += step;
    }
  }
}

// Two lanes: one word (four byte positions) per iteration; each cell is updated in row order, so
// the result equals the plain per-byte loop.
function accumulate2(data: usize, n: i32, rowBytes: i32, P: i32, stride: i32, gamma: usize, gammaStride: i32, hist: usize, lane: i32): void {
  const eb = <usize>stride << 3;
  const step = eb << 8;
  const off = <usize>lane << 3;
  for (let i = 0; i < n; i++) {
    const row = data + <usize>i * <usize>rowBytes;
    const g0 = v128.load(gamma + <usize>i * (<usize>gammaStride << 3) + off);
    if (!v128.any_true(g0)) continue; // adding +0 changes nothing
    let t = hist + off;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      const w = load<u32>(row + <usize>p);
      const e0 = t + <usize>(w & 255) * eb;
      const e1 = t + step + <usize>((w >>> 8) & 255) * eb;
      const e2 = t + 2 * step + <usize>((w >>> 16) & 255) * eb;
      const e3 = t + 3 * step + <usize>(w >>> 24) * eb;
      v128.store(e0, f64x2.add(v128.load(e0), g0));
      v128.store(e1, f64x2.add(v128.load(e1), g0));
      v128.store(e2, f64x2.add(v128.load(e2), g0));
      v128.store(e3, f64x2.add(v128.load(e3), g0));
      t += 4 * step;
    }
    for (; p < P; p++) {
      const e = t + <usize>load<u8>(row + <usize>p) * eb;
      v128.store(e, f64x2.add(v128.load(e), g0));
      t += step;
    }
  }
}

/**
 * sums[8p + j] = Σ over v with bit j set of hist[p][v], by folding: for j = 7 … 0, sum the upper
 * half (v = 2^j … 2^(j+1) − 1, increasing), then add the upper half into the lower half. Destroys hist.
 */
export function bitSums(hist: usize, P: i32, stride: i32, sums: usize): void {
  const eb = <usize>stride << 3;
  for (let p = 0; p < P; p++) {
    const hp = hist + ((<usize>p << 8) * eb);
    for (let j = 7; j >= 0; j--) {
      const half = 1 << j;
      const dst = sums + <usize>((p << 3) + j) * eb;
      for (let kb: usize = 0; kb < eb; kb += 16) {
        let s = f64x2.splat(0);
        for (let v = half; v < half << 1; v++) s = f64x2.add(s, v128.load(hp + <usize>v * eb + kb));
        v128.store(dst + kb, s);
        for (let v = 0; v < half; v++) {
          const lo = hp + <usize>v * eb + kb;
          v128.store(lo, f64x2.add(v128.load(lo), v128.load(hp + <usize>(v + half) * eb + kb)));
        }
      }
    }
  }
}

/**
 * In place over scores [n][stride]: ℓ_ik = scores[i][k] + consts[k] for k < K, m = max_k ℓ_ik,
 * s = Σ_k exp(ℓ_ik − m) with exp(0) = 1 and terms below e^FLUSH flushed to 0 (see
 * src/bmm/kernels.ts), log p(z_i) = m + log s (log 1 = 0 without a call),
 * scores[i][k] ← γ_ik = exp(ℓ_ik − m) / s. Writes rowLogLik[i], nk[k] = Σ_i γ_ik (k < K) and
 * returns Σ_i log p(z_i), all summed in row order.
 */
export function logsumexp(scores: usize, n: i32, stride: i32, K: i32, consts: usize, rowLogLik: usize, nk: usize): f64 {
  const eb = <usize>stride << 3;
  for (let k = 0; k < K; k++) store<f64>(nk + (<usize>k << 3), 0);
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = scores + <usize>i * eb;
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      const l = load<f64>(row + (<usize>k << 3)) + load<f64>(consts + (<usize>k << 3));
      store<f64>(row + (<usize>k << 3), l);
      if (l > m) m = l;
    }
    let s: f64 = 0;
    for (let k = 0; k < K; k++) {
      const diff = load<f64>(row + (<usize>k << 3)) - m;
      const x: f64 = diff == 0 ? 1 : diff < FLUSH ? 0 : Math.exp(diff);
      store<f64>(row + (<usize>k << 3), x);
      s += x;
    }
    const lse = s == 1 ? m : m + Math.log(s);
    store<f64>(rowLogLik + (<usize>i << 3), lse);
    total += lse;
    const inv = 1 / s;
    for (let k = 0; k < K; k++) {
      const a = row + (<usize>k << 3);
      const g = load<f64>(a) * inv;
      store<f64>(a, g);
      const b = nk + (<usize>k << 3);
      store<f64>(b, load<f64>(b) + g);
    }
  }
  return total;
}
