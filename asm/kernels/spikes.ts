// SpikeGrad's element-wise count rules (src/snn/fastPath.ts, docs/methods-snn.md §8.1) over the
// fast path's arrays. Every value is promoted to f64 and the quotient, floor or truncation taken in
// f64, as the TypeScript reference does with JavaScript numbers; a count demotes to f32 with the same
// rounding as a store into a Float32Array. Sums of counts are sums of integers in f64, exact below
// 2^53 in any order, so a split over threads or lanes cannot change them.

/**
 * Forward counts in place: c = ⌊I/Θ⌋ where I = y[i] > 0, else +0; gate[i] = 1 where I > 0 and
 * (inputGate ≠ 0 or c > 0), else 0. `theta` points at one f64.
 */
export function spikeCounts(y: usize, gate: usize, theta: usize, inputGate: i32, i0: i32, i1: i32): void {
  const th = load<f64>(theta);
  // Two counts per step in f64x2 lanes: division, floor and comparison round lane by lane as the
  // scalar ops do (IEEE), so the counts are the scalar loop's, bit for bit; a closed lane is +0.
  const thv = f64x2.splat(th), z = f64x2.splat(0);
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const p = y + <usize>i * 4;
    const I = f64x2.promote_low_f32x4(v128.load64_zero(p));
    const pos = f64x2.gt(I, z);
    const c = v128.and(f64x2.floor(f64x2.div(I, thv)), pos);
    store<i64>(p, i64x2.extract_lane(f32x4.demote_f64x2_zero(c), 0));
    const g = inputGate ? pos : f64x2.gt(c, z);
    store<u8>(gate + <usize>i, <u8>(i64x2.extract_lane(g, 0) & 1));
    store<u8>(gate + <usize>i + 1, <u8>(i64x2.extract_lane(g, 1) & 1));
  }
  for (; i < i1; i++) {
    const p = y + <usize>i * 4;
    const I = <f64>load<f32>(p);
    let c: f64 = 0;
    let g: u8 = 0;
    if (I > 0) {
      c = Math.floor(I / th);
      g = inputGate || c > 0 ? 1 : 0;
    }
    store<f32>(p, <f32>c);
    store<u8>(gate + <usize>i, g);
  }
}

/**
 * Error counts: e[i] = q(y[i]/Θ) where gate[i] ≠ 0, else +0; q = trunc, or ⌊· + ½⌋ when round ≠ 0.
 * Adding +0 turns a −0 count into +0 (counts are integers).
 */
export function errorCounts(y: usize, gate: usize, e: usize, theta: usize, round: i32, i0: i32, i1: i32): void {
  const th = load<f64>(theta);
  // Two counts per step in f64x2 lanes, as in spikeCounts; a closed gate's lane is masked to +0.
  const thv = f64x2.splat(th), z = f64x2.splat(0), half = f64x2.splat(0.5);
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const q = f64x2.div(f64x2.promote_low_f32x4(v128.load64_zero(y + <usize>i * 4)), thv);
    const c = f64x2.add(round ? f64x2.floor(f64x2.add(q, half)) : f64x2.trunc(q), z);
    const g0 = -(<i64>(load<u8>(gate + <usize>i) != 0)), g1 = -(<i64>(load<u8>(gate + <usize>i + 1) != 0));
    const open = i64x2.replace_lane(i64x2.splat(g0), 1, g1);
    store<i64>(e + <usize>i * 4, i64x2.extract_lane(f32x4.demote_f64x2_zero(v128.and(c, open)), 0));
  }
  for (; i < i1; i++) {
    let c: f64 = 0;
    if (load<u8>(gate + <usize>i)) {
      const X = <f64>load<f32>(y + <usize>i * 4);
      c = (round ? Math.floor(X / th + 0.5) : Math.trunc(X / th)) + 0;
    }
    store<f32>(e + <usize>i * 4, <f32>c);
  }
}

/**
 * Activity of count rows v (rows [r0, r1) of `size` counts each): out[0] = Σ|v|, out[1] = the number
 * of non-zero counts, out[2] = Σ|v|·fans[j] over each row's positions j (0 when fans = 0).
 */
export function countStats(v: usize, size: i32, fans: usize, r0: i32, r1: i32, out: usize): void {
  // Two f64 lanes, two accumulators each; no branch on zero counts (most are, and a mispredicted
  // branch per count cost more than the adds). Integer sums: the lane order changes nothing.
  const z = f64x2.splat(0);
  let s0 = z, s1 = z, w0 = z, w1 = z, n0 = i64x2.splat(0), n1 = i64x2.splat(0);
  let sum: f64 = 0, nonzero: f64 = 0, weighted: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const row = v + <usize>r * <usize>size * 4;
    let j = 0;
    for (; j + 4 <= size; j += 4) {
      const p = row + <usize>j * 4;
      const a0 = f64x2.abs(f64x2.promote_low_f32x4(v128.load64_zero(p)));
      const a1 = f64x2.abs(f64x2.promote_low_f32x4(v128.load64_zero(p + 8)));
      s0 = f64x2.add(s0, a0); s1 = f64x2.add(s1, a1);
      n0 = i64x2.sub(n0, f64x2.ne(a0, z)); n1 = i64x2.sub(n1, f64x2.ne(a1, z));
      if (fans) {
        const f = fans + <usize>j * 4;
        w0 = f64x2.add(w0, f64x2.mul(a0, f64x2.convert_low_i32x4_s(v128.load64_zero(f))));
        w1 = f64x2.add(w1, f64x2.mul(a1, f64x2.convert_low_i32x4_s(v128.load64_zero(f + 8))));
      }
    }
    for (; j < size; j++) {
      const a = Math.abs(<f64>load<f32>(row + <usize>j * 4));
      if (a == 0) continue;
      sum += a;
      nonzero += 1;
      if (fans) weighted += a * <f64>load<i32>(fans + <usize>j * 4);
    }
  }
  const s = f64x2.add(s0, s1), w = f64x2.add(w0, w1), n = i64x2.add(n0, n1);
  store<f64>(out, sum + f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1));
  store<f64>(out + 8, nonzero + <f64>(i64x2.extract_lane(n, 0) + i64x2.extract_lane(n, 1)));
  store<f64>(out + 16, weighted + f64x2.extract_lane(w, 0) + f64x2.extract_lane(w, 1));
}
