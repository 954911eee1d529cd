// Bit kernels. Rows are `words` u32 (a multiple of 2, so rows are whole u64s); bit j of a row is
// bit j&31 of word j>>>5; padding bits are zero.

/** Packs rows [r0, r1) of src (rows×cols floats) into sign bits (x ≥ 0 → 1). */
export function packSigns(src: usize, cols: i32, words: i32, dst: usize, r0: i32, r1: i32): void {
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>cols * 4;
    const d = dst + <usize>r * <usize>words * 4;
    const full = cols >>> 5;
    for (let wi = 0; wi < full; wi++) {
      const p = s + <usize>wi * 128;
      let bits: u32 = <u32>i32x4.bitmask(f32x4.ge(v128.load(p), zero));
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 16), zero)) << 4;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 32), zero)) << 8;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 48), zero)) << 12;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 64), zero)) << 16;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 80), zero)) << 20;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 96), zero)) << 24;
      bits |= <u32>i32x4.bitmask(f32x4.ge(v128.load(p, 112), zero)) << 28;
      store<u32>(d + <usize>wi * 4, bits);
    }
    let wi = full;
    const rem = cols & 31;
    if (rem) {
      let bits: u32 = 0;
      const p = s + <usize>full * 128;
      for (let j = 0; j < rem; j++) if (load<f32>(p + <usize>j * 4) >= 0) bits |= (<u32>1) << j;
      store<u32>(d + <usize>wi * 4, bits);
      wi++;
    }
    for (; wi < words; wi++) store<u32>(d + <usize>wi * 4, 0);
  }
}

/** Unpacks rows [r0, r1) to ±1 floats. */
export function unpackSigns(src: usize, cols: i32, words: i32, dst: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>words * 4;
    const d = dst + <usize>r * <usize>cols * 4;
    for (let j = 0; j < cols; j++) {
      const bit = (load<u32>(s + <usize>(j >>> 5) * 4) >>> (<u32>j & 31)) & 1;
      store<f32>(d + <usize>j * 4, bit ? <f32>1 : <f32>-1);
    }
  }
}

/** C[m·N+n] = K − 2·popcount(a_m XOR b_n) for rows m in [m0, m1). */
export function bgemm(N: i32, K: i32, words: i32, A: usize, B: usize, C: usize, m0: i32, m1: i32): void {
  const q = words >>> 1;
  const rowB = <usize>words * 4;
  let m = m0;
  for (; m + 4 <= m1; m += 4) {
    const a0 = A + <usize>m * rowB, a1 = a0 + rowB, a2 = a1 + rowB, a3 = a2 + rowB;
    let n = 0;
    for (; n + 2 <= N; n += 2) {
      const b0 = B + <usize>n * rowB, b1 = b0 + rowB;
      let s00: u64 = 0, s01: u64 = 0, s10: u64 = 0, s11: u64 = 0;
      let s20: u64 = 0, s21: u64 = 0, s30: u64 = 0, s31: u64 = 0;
      // Four words per iteration: the later loads use immediate offsets, cutting the address
      // arithmetic and loop overhead that compete with the popcounts (192 → 236 G bit-ops/s on
      // 64×1024×4608; unrolling by 8 was slower).
      let i = 0;
      for (; i + 4 <= q; i += 4) {
        const o = <usize>i * 8;
        const pb0 = b0 + o, pb1 = b1 + o, pa0 = a0 + o, pa1 = a1 + o, pa2 = a2 + o, pa3 = a3 + o;
        let w0: u64, w1: u64, x0: u64, x1: u64, x2: u64, x3: u64;
        w0 = load<u64>(pb0, 0); w1 = load<u64>(pb1, 0);
        x0 = load<u64>(pa0, 0); x1 = load<u64>(pa1, 0); x2 = load<u64>(pa2, 0); x3 = load<u64>(pa3, 0);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 8); w1 = load<u64>(pb1, 8);
        x0 = load<u64>(pa0, 8); x1 = load<u64>(pa1, 8); x2 = load<u64>(pa2, 8); x3 = load<u64>(pa3, 8);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 16); w1 = load<u64>(pb1, 16);
        x0 = load<u64>(pa0, 16); x1 = load<u64>(pa1, 16); x2 = load<u64>(pa2, 16); x3 = load<u64>(pa3, 16);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
        w0 = load<u64>(pb0, 24); w1 = load<u64>(pb1, 24);
        x0 = load<u64>(pa0, 24); x1 = load<u64>(pa1, 24); x2 = load<u64>(pa2, 24); x3 = load<u64>(pa3, 24);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
      }
      for (; i < q; i++) {
        const o = <usize>i * 8;
        const w0 = load<u64>(b0 + o), w1 = load<u64>(b1 + o);
        const x0 = load<u64>(a0 + o), x1 = load<u64>(a1 + o), x2 = load<u64>(a2 + o), x3 = load<u64>(a3 + o);
        s00 += popcnt<u64>(x0 ^ w0); s01 += popcnt<u64>(x0 ^ w1);
        s10 += popcnt<u64>(x1 ^ w0); s11 += popcnt<u64>(x1 ^ w1);
        s20 += popcnt<u64>(x2 ^ w0); s21 += popcnt<u64>(x2 ^ w1);
        s30 += popcnt<u64>(x3 ^ w0); s31 += popcnt<u64>(x3 ^ w1);
      }
      const c = C + (<usize>m * <usize>N + <usize>n) * 4;
      const nB = <usize>N * 4;
      store<i32>(c, K - 2 * <i32>s00); store<i32>(c, K - 2 * <i32>s01, 4);
      store<i32>(c + nB, K - 2 * <i32>s10); store<i32>(c + nB, K - 2 * <i32>s11, 4);
      store<i32>(c + 2 * nB, K - 2 * <i32>s20); store<i32>(c + 2 * nB, K - 2 * <i32>s21, 4);
      store<i32>(c + 3 * nB, K - 2 * <i32>s30); store<i32>(c + 3 * nB, K - 2 * <i32>s31, 4);
    }
    for (; n < N; n++) {
      const b0 = B + <usize>n * rowB;
      let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0;
      for (let i = 0; i < q; i++) {
        const o = <usize>i * 8;
        const w0 = load<u64>(b0 + o);
        s0 += popcnt<u64>(load<u64>(a0 + o) ^ w0); s1 += popcnt<u64>(load<u64>(a1 + o) ^ w0);
        s2 += popcnt<u64>(load<u64>(a2 + o) ^ w0); s3 += popcnt<u64>(load<u64>(a3 + o) ^ w0);
      }
      const c = C + (<usize>m * <usize>N + <usize>n) * 4;
      const nB = <usize>N * 4;
      store<i32>(c, K - 2 * <i32>s0); store<i32>(c + nB, K - 2 * <i32>s1);
      store<i32>(c + 2 * nB, K - 2 * <i32>s2); store<i32>(c + 3 * nB, K - 2 * <i32>s3);
    }
  }
  for (; m < m1; m++) {
    const a0 = A + <usize>m * rowB;
    for (let n = 0; n < N; n++) {
      const b0 = B + <usize>n * rowB;
      let s: u64 = 0;
      for (let i = 0; i < q; i++) s += popcnt<u64>(load<u64>(a0 + <usize>i * 8) ^ load<u64>(b0 + <usize>i * 8));
      store<i32>(C + (<usize>m * <usize>N + <usize>n) * 4, K - 2 * <i32>s);
    }
  }
}

/** dst[r] = number of 1 bits in row r, for r in [r0, r1). */
export function popcountRows(src: usize, words: i32, dst: usize, r0: i32, r1: i32): void {
  const q = words >>> 1;
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * <usize>words * 4;
    let c: u64 = 0;
    for (let i = 0; i < q; i++) c += popcnt<u64>(load<u64>(s + <usize>i * 8));
    store<i32>(dst + <usize>r * 4, <i32>c);
  }
}
