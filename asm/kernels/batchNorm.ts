// Batch normalization over x = [N, C, P] (P = H·W, 1 for dense inputs), channels [c0, c1) per
// call: every channel's statistics and outputs come from one thread, in a fixed order. Plane sums
// run in four f32 lanes and are accumulated over images in f64.
//
// A ReLU that follows the normalization can ride along (the `relu` flag forward, the ReLU output
// `r` backward): the same values as the separate relu/reluBackward kernels, bit for bit, without a
// second pass over the tensor and without staging the intermediate through the host.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Forward. training ≠ 0: writes mean[c], variance[c] (biased) and invStd[c] = 1/√(var + eps);
 * otherwise reads mean and invStd. y = (x − mean)·invStd·γ + β (γ = 1 / β = 0 when the pointer is 0),
 * then max(y, 0) when relu ≠ 0. `eps` points at one f64.
 */
export function batchNormForward(N: i32, C: i32, P: i32, x: usize, gamma: usize, beta: usize, eps: usize, training: i32,
  mean: usize, variance: usize, invStd: usize, y: usize, c0: i32, c1: i32, relu: i32): void {
  const M = <f64>N * <f64>P;
  for (let c = c0; c < c1; c++) {
    if (training) {
      let s: f64 = 0;
      for (let n = 0; n < N; n++) {
        const p = x + (<usize>(n * C + c) * <usize>P) * 4;
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= P; i += 4) acc = f32x4.add(acc, v128.load(p + <usize>i * 4));
        let t = hsum(acc);
        for (; i < P; i++) t += load<f32>(p + <usize>i * 4);
        s += <f64>t;
      }
      const m = <f32>(s / M);
      const mv = f32x4.splat(m);
      let q: f64 = 0;
      for (let n = 0; n < N; n++) {
        const p = x + (<usize>(n * C + c) * <usize>P) * 4;
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= P; i += 4) { const d = f32x4.sub(v128.load(p + <usize>i * 4), mv); acc = f32x4.add(acc, f32x4.mul(d, d)); }
        let t = hsum(acc);
        for (; i < P; i++) { const d = load<f32>(p + <usize>i * 4) - m; t += d * d; }
        q += <f64>t;
      }
      const v = q / M;
      store<f32>(mean + <usize>c * 4, m);
      store<f32>(variance + <usize>c * 4, <f32>v);
      store<f32>(invStd + <usize>c * 4, <f32>(1 / Math.sqrt(v + load<f64>(eps))));
    }
    const m = load<f32>(mean + <usize>c * 4), sd = load<f32>(invStd + <usize>c * 4);
    const gm: f32 = gamma ? load<f32>(gamma + <usize>c * 4) : 1, bt: f32 = beta ? load<f32>(beta + <usize>c * 4) : 0;
    const mv = f32x4.splat(m), sv = f32x4.splat(sd), gv = f32x4.splat(gm), bv = f32x4.splat(bt);
    const z = f32x4.splat(0);
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, o = y + off;
      let i = 0;
      if (relu) {
        for (; i + 4 <= P; i += 4) {
          const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
          v128.store(o + <usize>i * 4, f32x4.max(f32x4.add(f32x4.mul(h, gv), bv), z));
        }
        for (; i < P; i++) store<f32>(o + <usize>i * 4, max<f32>((load<f32>(p + <usize>i * 4) - m) * sd * gm + bt, 0));
      } else {
        for (; i + 4 <= P; i += 4) {
          const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
          v128.store(o + <usize>i * 4, f32x4.add(f32x4.mul(h, gv), bv));
        }
        for (; i < P; i++) store<f32>(o + <usize>i * 4, (load<f32>(p + <usize>i * 4) - m) * sd * gm + bt);
      }
    }
  }
}

/**
 * Backward with x̂ = (x − mean)·invStd recomputed as in the forward. dbeta[c] = Σ dy,
 * dgamma[c] = Σ dy·x̂; dx = γ·invStd·(dy − Σdy/M − x̂·Σdy·x̂/M) when training, γ·invStd·dy otherwise.
 * Output pointers may be 0 (not wanted). When r ≠ 0 the forward had a ReLU with output r, and dy is
 * the gradient of that output: it is masked to dy where r > 0, else +0 (as reluBackward does).
 */
export function batchNormBackward(N: i32, C: i32, P: i32, x: usize, dy: usize, mean: usize, invStd: usize, gamma: usize,
  training: i32, dx: usize, dgamma: usize, dbeta: usize, c0: i32, c1: i32, r: usize): void {
  const M = <f64>N * <f64>P;
  const z = f32x4.splat(0);
  for (let c = c0; c < c1; c++) {
    const m = load<f32>(mean + <usize>c * 4), sd = load<f32>(invStd + <usize>c * 4);
    const mv = f32x4.splat(m), sv = f32x4.splat(sd);
    let sDy: f64 = 0, sDyX: f64 = 0;
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, g = dy + off, rr = r + off;
      let a = f32x4.splat(0), b = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= P; i += 4) {
        let gv = v128.load(g + <usize>i * 4);
        if (r) gv = v128.and(gv, f32x4.gt(v128.load(rr + <usize>i * 4), z));
        const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
        a = f32x4.add(a, gv);
        b = f32x4.add(b, f32x4.mul(gv, h));
      }
      let ta = hsum(a), tb = hsum(b);
      for (; i < P; i++) {
        const gv: f32 = r && !(load<f32>(rr + <usize>i * 4) > 0) ? 0 : load<f32>(g + <usize>i * 4);
        ta += gv;
        tb += gv * ((load<f32>(p + <usize>i * 4) - m) * sd);
      }
      sDy += <f64>ta; sDyX += <f64>tb;
    }
    if (dbeta) store<f32>(dbeta + <usize>c * 4, <f32>sDy);
    if (dgamma) store<f32>(dgamma + <usize>c * 4, <f32>sDyX);
    if (!dx) continue;
    const k: f32 = (gamma ? load<f32>(gamma + <usize>c * 4) : 1) * sd;
    const am: f32 = training ? <f32>(sDy / M) : 0, bm: f32 = training ? <f32>(sDyX / M) : 0;
    const kv = f32x4.splat(k), av = f32x4.splat(am), bv = f32x4.splat(bm);
    for (let n = 0; n < N; n++) {
      const off = (<usize>(n * C + c) * <usize>P) * 4;
      const p = x + off, g = dy + off, o = dx + off, rr = r + off;
      let i = 0;
      for (; i + 4 <= P; i += 4) {
        let gv = v128.load(g + <usize>i * 4);
        if (r) gv = v128.and(gv, f32x4.gt(v128.load(rr + <usize>i * 4), z));
        const h = f32x4.mul(f32x4.sub(v128.load(p + <usize>i * 4), mv), sv);
        const t = f32x4.sub(f32x4.sub(gv, av), f32x4.mul(h, bv));
        v128.store(o + <usize>i * 4, f32x4.mul(kv, t));
      }
      for (; i < P; i++) {
        const gv: f32 = r && !(load<f32>(rr + <usize>i * 4) > 0) ? 0 : load<f32>(g + <usize>i * 4);
        const h = (load<f32>(p + <usize>i * 4) - m) * sd;
        store<f32>(o + <usize>i * 4, k * (gv - am - h * bm));
      }
    }
  }
}
