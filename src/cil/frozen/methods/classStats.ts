// Per-class statistics of feature vectors shared by the prototype methods (NCM, FeTrIL, FeCAM):
// means accumulated in float64 and stored as float32 (what the methods keep between steps).

/** Mean feature vector of every class present in `y`, as float32, keyed by class id. */
export function classMeans(x: Float32Array, y: Int32Array, dim: number): Map<number, Float32Array> {
  const sums = new Map<number, { s: Float64Array; n: number }>();
  for (let i = 0; i < y.length; i++) {
    let e = sums.get(y[i]);
    if (!e) { e = { s: new Float64Array(dim), n: 0 }; sums.set(y[i], e); }
    const row = x.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) e.s[d] += row[d];
    e.n++;
  }
  const out = new Map<number, Float32Array>();
  for (const [c, e] of [...sums].sort((a, b) => a[0] - b[0])) out.set(c, Float32Array.from(e.s, (v) => v / e.n));
  return out;
}

/** Row indices of each class in `y`. */
export function rowsByClass(y: Int32Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) { const l = m.get(y[i]); if (l) l.push(i); else m.set(y[i], [i]); }
  return m;
}
