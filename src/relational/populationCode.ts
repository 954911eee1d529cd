// Circular population codes for the relational network (docs/methods-snn.md §12.1): a value v ∈ [0, 1) is
// a triangular bump over N neurons centred at round(v·N) mod N that wraps around the circle, decoded
// by template matching, and errors are measured on the circle.

export function circularDistance(x: number, m: number, N: number): number {
  const d = Math.abs(x - m);
  return Math.min(d, N - d);
}

/** Writes the bump for `value` into out[offset .. offset+N): peak·(1 − 2·d_circ(x, m)/N). */
export function encodeBump(value: number, N: number, out: Float32Array, offset = 0, peak = 1): void {
  if (!(value >= 0 && value < 1)) throw new RangeError(`encodeBump: value must be in [0, 1), got ${value}`);
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`encodeBump: population size must be an integer ≥ 2, got ${N}`);
  const m = Math.round(value * N) % N;
  for (let x = 0; x < N; x++) out[offset + x] = peak * (1 - (2 * circularDistance(x, m, N)) / N);
}

/** Template matching: m* = argmax over m of Σ_x act(x)·(N − 2·d_circ(x, m)); returns m* divided by N. */
export function decodeBump(act: ArrayLike<number>, N: number, offset = 0): number {
  let best = 0, bestScore = -Infinity;
  for (let m = 0; m < N; m++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += act[offset + x] * (N - 2 * circularDistance(x, m, N));
    if (s > bestScore) { bestScore = s; best = m; }
  }
  return best / N;
}

/** Signed error on the circle, in [−0.5, 0.5]: the shorter way from value to target. */
export function circularError(target: number, value: number): number {
  let d = target - value;
  if (d > 0.5) d -= 1;
  else if (d < -0.5) d += 1;
  return d;
}

/** RMSE of a uniformly random guess on the circle: |error| ~ U[0, 0.5] ⇒ √(1/12). */
export const CHANCE_RMSE = Math.sqrt(1 / 12);
