// Bit-level read/write into Uint32Array words (LSB first), for values of 1..32 bits at any bit offset.
// Buffers store samples back to back at their exact bit width, so counted bits equal stored bits.

export function writeBits(words: Uint32Array, offset: number, width: number, value: number): void {
  const w = offset >>> 5, b = offset & 31;
  const v = width === 32 ? value >>> 0 : (value & ((1 << width) - 1)) >>> 0;
  const mask = width === 32 ? 0xffffffff : ((1 << width) - 1) >>> 0;
  words[w] = ((words[w] & ~(mask << b)) | (v << b)) >>> 0;
  if (b + width > 32) {
    const hi = b + width - 32;
    const hmask = ((1 << hi) - 1) >>> 0;
    words[w + 1] = ((words[w + 1] & ~hmask) | (v >>> (32 - b))) >>> 0;
  }
}

export function readBits(words: Uint32Array, offset: number, width: number): number {
  const w = offset >>> 5, b = offset & 31;
  let v = words[w] >>> b;
  if (b + width > 32) v |= words[w + 1] << (32 - b);
  return width === 32 ? v >>> 0 : (v & ((1 << width) - 1)) >>> 0;
}

/** Words needed for `bits` bits. */
export const wordsFor = (bits: number): number => Math.ceil(bits / 32);
