// Packed binary rows as the BMM library consumes and produces them. The layout is the engine's
// (src/engine/kernels/types.ts): LSB-first 32-bit words, rows padded with zero bits to a multiple of
// 64, bit 1 ↔ z = 1 ↔ b = +1. Validation happens once at the API boundary so kernels can assume it.
import { packedWords } from '../engine/kernels/types.js';

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

/** Packs a rows × bits matrix of 0/1 (or booleans) into the layout above. */
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

export function getBit(x: PackedRows, row: number, bit: number): number {
  return (x.data[row * packedWords(x.bits) + (bit >>> 5)] >>> (bit & 31)) & 1;
}
