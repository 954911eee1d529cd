// Small bit helpers shared by the packed engine, the format and the exporters.
// Convention (methods-cil.md §1.1): bit 1 = +1, bit 0 = −1, sign(0) = +1, LSB-first in 32-bit words.

/** 1 for +1 (x ≥ 0, so sign(0) = +1), 0 for −1. */
export function sign32(x: number): 0 | 1 {
  return x >= 0 ? 1 : 0;
}

export function getBit(words: Uint32Array, i: number): number {
  return (words[i >>> 5] >>> (i & 31)) & 1;
}

export function setBit(words: Uint32Array, i: number): void {
  words[i >>> 5] |= 1 << (i & 31);
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
