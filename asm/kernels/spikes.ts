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
  for (let i = i0; i < i1; i++) {
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
  for (let i = i0; i < i1; i++) {
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
  let sum: f64 = 0, nonzero: f64 = 0, weighted: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const row = v + <usize>r * <usize>size * 4;
    for (let j = 0; j < size; j++) {
      const a = Math.abs(<f64>load<f32>(row + <usize>j * 4));
      if (a == 0) continue;
      sum += a;
      nonzero += 1;
      if (fans) weighted += a * <f64>load<i32>(fans + <usize>j * 4);
    }
  }
  store<f64>(out, sum);
  store<f64>(out + 8, nonzero);
  store<f64>(out + 16, weighted);
}
