// Element-wise glue, elements [i0, i1) per call.

/** y = max(x, 0) (NaN stays NaN, −0 becomes +0). */
export function relu(x: usize, y: usize, i0: i32, i1: i32): void {
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(y + <usize>i * 4, f32x4.max(v128.load(x + <usize>i * 4), z));
  for (; i < i1; i++) store<f32>(y + <usize>i * 4, max<f32>(load<f32>(x + <usize>i * 4), 0));
}

/** dx = dy where y > 0, else +0. */
export function reluBackward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const z = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), z)));
  }
  for (; i < i1; i++) store<f32>(dx + <usize>i * 4, load<f32>(y + <usize>i * 4) > 0 ? load<f32>(dy + <usize>i * 4) : 0);
}

/** y = a + b, then max(y, 0) when relu ≠ 0 (a residual sum and the ReLU after it in one pass). */
export function add(a: usize, b: usize, y: usize, relu: i32, i0: i32, i1: i32): void {
  const z = f32x4.splat(0);
  let i = i0;
  if (relu) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.max(f32x4.add(v128.load(a + o), v128.load(b + o)), z));
    }
    for (; i < i1; i++) store<f32>(y + <usize>i * 4, max<f32>(load<f32>(a + <usize>i * 4) + load<f32>(b + <usize>i * 4), 0));
  } else {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < i1; i++) store<f32>(y + <usize>i * 4, load<f32>(a + <usize>i * 4) + load<f32>(b + <usize>i * 4));
  }
}

/** y[r·per + i] = x[r·per + i]·scale[r] for rows [r0, r1) (a batch norm's scale folded into conv weights). */
export function scaleRows(x: usize, scale: usize, y: usize, per: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const s = load<f32>(scale + <usize>r * 4);
    const sv = f32x4.splat(s);
    const base = <usize>r * <usize>per * 4;
    let i = 0;
    for (; i + 4 <= per; i += 4) {
      const o = base + <usize>i * 4;
      v128.store(y + o, f32x4.mul(v128.load(x + o), sv));
    }
    for (; i < per; i++) store<f32>(y + base + <usize>i * 4, load<f32>(x + base + <usize>i * 4) * s);
  }
}
