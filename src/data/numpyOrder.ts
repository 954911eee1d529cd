// numpy's legacy RandomState (MT19937) seeding and permutation, reproduced exactly so class orders
// from the literature can be regenerated rather than copied: `np.random.seed(1993);
// np.random.permutation(100)` is the CIFAR-100 order of iCaRL, PODNet, DER and most CIL code. Pure.
// This is a compatibility shim, not a source of randomness for bitspike (that is engine/random.ts).

export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private mti = 624;

  /** numpy `RandomState(seed)` / `np.random.seed(seed)` for an integer seed in [0, 2^32): init_genrand. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`MT19937: seed must be an integer in [0, 2^32), got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const p = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
  }

  nextU32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_interval: uniform in [0, max] by masked rejection. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    let v: number;
    do v = (this.nextU32() & mask) >>> 0; while (v > max);
    return v;
  }
}

/** Exactly `np.random.seed(seed); np.random.permutation(n)` (legacy Fisher–Yates from the end). */
export function numpyPermutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`numpyPermutation: n must be a non-negative integer, got ${n}`);
  const rs = new MT19937(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rs.interval(i);
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}
