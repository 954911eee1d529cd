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
