// How one stored sample is turned into bits and back. Native replay stores pixels quantized to a
// chosen bit depth (docs/methods-cil.md §3.5: 7-bit pixels in the FBNN budget arithmetic); latent replay
// stores activations as float32 or as signs (1 bit, bit 1 ↔ +1, sign(0) = +1, §1.1).
import { readBits, writeBits } from '../../engine/bits.js';

export interface Codec {
  readonly kind: 'pixels' | 'float32' | 'binary';
  /** Values per sample. */
  readonly dim: number;
  /** Bits per value. */
  readonly valueBits: number;
  /** dim · valueBits. */
  readonly sampleBits: number;
  encode(src: ArrayLike<number>, srcOffset: number, words: Uint32Array, bitOffset: number): void;
  decode(words: Uint32Array, bitOffset: number, dst: Uint8Array | Float32Array, dstOffset: number): void;
  describe(): string;
}

/** uint8 pixels → top `depth` bits; decoded back to the full 0..255 range (q·255/(2^depth − 1)). */
export function pixelCodec(dim: number, depth: number): Codec {
  if (!Number.isInteger(depth) || depth < 1 || depth > 8) throw new RangeError(`pixel bit depth must be an integer in [1, 8], got ${depth}`);
  const shift = 8 - depth, top = (1 << depth) - 1;
  const lut = Uint8Array.from({ length: top + 1 }, (_, q) => Math.round((q * 255) / top));
  return {
    kind: 'pixels', dim, valueBits: depth, sampleBits: dim * depth,
    encode(src, o, words, bit) {
      for (let i = 0; i < dim; i++) writeBits(words, bit + i * depth, depth, src[o + i] >>> shift);
    },
    decode(words, bit, dst, o) {
      for (let i = 0; i < dim; i++) dst[o + i] = lut[readBits(words, bit + i * depth, depth)];
    },
    describe: () => `${dim} pixels × ${depth} bits`,
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32Codec(dim: number): Codec {
  return {
    kind: 'float32', dim, valueBits: 32, sampleBits: dim * 32,
    encode(src, o, words, bit) {
      for (let i = 0; i < dim; i++) { f32[0] = src[o + i]; writeBits(words, bit + i * 32, 32, u32[0]); }
    },
    decode(words, bit, dst, o) {
      for (let i = 0; i < dim; i++) { u32[0] = readBits(words, bit + i * 32, 32); dst[o + i] = f32[0]; }
    },
    describe: () => `${dim} float32 values`,
  };
}

/** Signs: x ≥ 0 → bit 1 → +1, else bit 0 → −1. */
export function binaryCodec(dim: number): Codec {
  return {
    kind: 'binary', dim, valueBits: 1, sampleBits: dim,
    encode(src, o, words, bit) {
      for (let i = 0; i < dim; i++) writeBits(words, bit + i, 1, src[o + i] >= 0 ? 1 : 0);
    },
    decode(words, bit, dst, o) {
      for (let i = 0; i < dim; i++) dst[o + i] = readBits(words, bit + i, 1) ? 1 : -1;
    },
    describe: () => `${dim} bits`,
  };
}
