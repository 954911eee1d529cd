// Optimizer steps on parameter ranges [i0, i1). Adam runs in f64, as the reference TypeScript loop
// does (JavaScript numbers): every operation is IEEE-correctly rounded in both, in the same order,
// so the two agree bit for bit and moving the step into wasm changes no trained network.

/**
 * One Adam / AdamW step. `h` points at 9 f64: beta1, 1 − beta1, beta2, 1 − beta2, the L2 term
 * (added to the gradient), the decoupled decay factor (1 − lr·wd, else 1), lr / (1 − beta1^t),
 * √(1 − beta2^t), eps. With d = g + l2·p: m = beta1·m + (1 − beta1)·d, v = beta2·v + (1 − beta2)·d·d,
 * p = p·decay − stepSize·m / (√v / sq + eps), each rounded to f32 when stored, m and v read back rounded.
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, h: usize, i0: i32, i1: i32): void {
  const b1 = f64x2.splat(load<f64>(h)), c1 = f64x2.splat(load<f64>(h, 8));
  const b2 = f64x2.splat(load<f64>(h, 16)), c2 = f64x2.splat(load<f64>(h, 24));
  const l2 = f64x2.splat(load<f64>(h, 32)), decay = f64x2.splat(load<f64>(h, 40));
  const step = f64x2.splat(load<f64>(h, 48)), sq = f64x2.splat(load<f64>(h, 56)), eps = f64x2.splat(load<f64>(h, 64));
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const o = <usize>i * 4;
    const pv = f64x2.promote_low_f32x4(v128.load64_zero(p + o));
    const d = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(g + o)), f64x2.mul(l2, pv));
    const mr = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(c1, d)));
    const vr = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(c2, d), d)));
    v128.store64_lane(m + o, mr, 0);
    v128.store64_lane(v + o, vr, 0);
    const den = f64x2.add(f64x2.div(f64x2.sqrt(f64x2.promote_low_f32x4(vr)), sq), eps);
    const np = f64x2.sub(f64x2.mul(pv, decay), f64x2.div(f64x2.mul(step, f64x2.promote_low_f32x4(mr)), den));
    v128.store64_lane(p + o, f32x4.demote_f64x2_zero(np), 0);
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    const pv = <f64>load<f32>(p + o);
    const d = <f64>load<f32>(g + o) + load<f64>(h, 32) * pv;
    const mv = <f32>(load<f64>(h) * <f64>load<f32>(m + o) + load<f64>(h, 8) * d);
    const vv = <f32>(load<f64>(h, 16) * <f64>load<f32>(v + o) + load<f64>(h, 24) * d * d);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, <f32>(pv * load<f64>(h, 40) - load<f64>(h, 48) * <f64>mv / (Math.sqrt(<f64>vv) / load<f64>(h, 56) + load<f64>(h, 64))));
  }
}
