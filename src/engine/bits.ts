// The one home of the bit-level helpers used by the packed engine, the BNN format and exporters,
// the Bernoulli-mixture library and the class-incremental buffers. They share one layout
// (docs/formats.md): LSB-first 32-bit words, bit 1 = +1 (z = 1), bit 0 = −1, sign(0) = +1. Packed
// rows are zero-padded to a multiple of 64 bits (see packedWords) so XNOR-popcount kernels can
// run over whole u64s; bit streams (readBits/writeBits) are not padded per value, so counted bits
// equal stored bits. Pure functions only: this module imports no kernels, so the kernels may use it.
import { packedWords } from './kernels/types.js';

// ---- single bits and words ------------------------------------------------------------------

/** 1 for +1 (x ≥ 0, so sign(0) = +1), 0 for −1. */
export function sign32(x: number): 0 | 1 {
  return x >= 0 ? 1 : 0;
}

/** Bit i of a flat word array (bit i&31 of word i>>>5). */
export function wordBit(words: Uint32Array, i: number): number {
  return (words[i >>> 5] >>> (i & 31)) & 1;
}

/** Number of 1 bits in a 32-bit word (SWAR). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// ---- bit streams: values of 1..32 bits at any bit offset --------------------------------------

/** Writes the low `width` bits of `value` at bit `offset` (1 ≤ width ≤ 32). */
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

/** Reads `width` bits (1 ≤ width ≤ 32) at bit `offset` as an unsigned number. */
export function readBits(words: Uint32Array, offset: number, width: number): number {
  const w = offset >>> 5, b = offset & 31;
  let v = words[w] >>> b;
  if (b + width > 32) v |= words[w + 1] << (32 - b);
  return width === 32 ? v >>> 0 : (v & ((1 << width) - 1)) >>> 0;
}

/** Words needed for a stream of `bits` bits (no row padding). */
export const wordsFor = (bits: number): number => Math.ceil(bits / 32);

// ---- packed rows (the engine's and the BMM library's matrix layout) ------------------------------

export interface PackedRows {
  /** rows × packedWords(bits) words. */
  readonly data: Uint32Array;
  readonly rows: number;
  readonly bits: number;
}

/** Checks shape, word count and zero padding; `what` names the argument in error messages. */
export function validatePackedRows(x: PackedRows, what: string, opts: { minRows?: number } = {}): void {
  if (x === null || typeof x !== 'object' || !(x.data instanceof Uint32Array)) {
    throw new TypeError(`${what}: expected {data: Uint32Array, rows, bits}, got ${x === null ? 'null' : typeof x}`);
  }
  if (!Number.isInteger(x.bits) || x.bits < 1) throw new RangeError(`${what}.bits: expected an integer ≥ 1, got ${x.bits}`);
  const minRows = opts.minRows ?? 1;
  if (!Number.isInteger(x.rows) || x.rows < minRows) {
    throw new RangeError(`${what}.rows: expected an integer ≥ ${minRows}${minRows > 0 ? ' (data must not be empty)' : ''}, got ${x.rows}`);
  }
  const words = packedWords(x.bits);
  if (x.data.length !== x.rows * words) {
    throw new RangeError(`${what}.data: expected rows × packedWords(bits) = ${x.rows} × ${words} = ${x.rows * words} words, got ${x.data.length}`);
  }
  // Padding bits must be zero: the kernels sum table entries over every byte of a row.
  const tailBits = x.bits & 31;
  const firstPadWord = x.bits >>> 5;
  for (let r = 0; r < x.rows; r++) {
    const base = r * words;
    for (let w = firstPadWord; w < words; w++) {
      const mask = w === firstPadWord && tailBits !== 0 ? ~((1 << tailBits) - 1) >>> 0 : 0xffffffff;
      if ((x.data[base + w] & mask) !== 0) {
        throw new RangeError(`${what}.data: row ${r} has non-zero padding bits beyond bit ${x.bits} (word ${w}); padding must be zero`);
      }
    }
  }
}

/** Packs a rows × bits matrix of 0/1 (or booleans; any non-zero → 1) into packed rows. */
export function packBits(values: ArrayLike<number | boolean>, rows: number, bits: number): PackedRows {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`packBits: rows must be an integer ≥ 0, got ${rows}`);
  if (!Number.isInteger(bits) || bits < 1) throw new RangeError(`packBits: bits must be an integer ≥ 1, got ${bits}`);
  if (values.length !== rows * bits) throw new RangeError(`packBits: values must hold rows × bits = ${rows * bits} entries, got ${values.length}`);
  const words = packedWords(bits);
  const data = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < bits; j++) {
      if (values[r * bits + j]) data[r * words + (j >>> 5)] |= 1 << (j & 31);
    }
  }
  return { data, rows, bits };
}

/** Unpacks to a rows × bits Uint8Array of 0/1. */
export function unpackBits(x: PackedRows): Uint8Array {
  const words = packedWords(x.bits);
  const out = new Uint8Array(x.rows * x.bits);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < x.bits; j++) out[r * x.bits + j] = (x.data[r * words + (j >>> 5)] >>> (j & 31)) & 1;
  }
  return out;
}

/** Packs rows × bits reals by sign (x ≥ 0 → 1, so sign(0) = +1) into packed rows' words. */
export function packSignRows(values: Float32Array, rows: number, bits: number): Uint32Array {
  const w = packedWords(bits);
  const out = new Uint32Array(rows * w);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < bits; d++) if (values[i * bits + d] >= 0) out[i * w + (d >>> 5)] |= 1 << (d & 31);
  }
  return out;
}

/** Unpacks packed rows' words to rows × bits ±1 floats (bit 1 → +1). */
export function unpackSignRows(data: Uint32Array, rows: number, bits: number): Float32Array {
  const w = packedWords(bits);
  const out = new Float32Array(rows * bits);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < bits; d++) out[i * bits + d] = (data[i * w + (d >>> 5)] >>> (d & 31)) & 1 ? 1 : -1;
  }
  return out;
}

/** Bit `bit` of row `row`. */
export function getBit(x: PackedRows, row: number, bit: number): number {
  return (x.data[row * packedWords(x.bits) + (bit >>> 5)] >>> (bit & 31)) & 1;
}
