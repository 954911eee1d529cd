// Bit-packed tensors: a matrix of ±1 (or 0/1) values stored one bit each, in the layout documented in
// kernels/types.ts and docs/formats.md (32-bit words, LSB first, rows zero-padded to 64 bits).
// XNOR-popcount products on them are exact integers. The {rows, bits, data} shape is the same one
// the BMM library consumes (PackedRows, in ./bits.ts), so embeddings pass from a network to a mixture
// uncopied.
import type { PackedRows } from './bits.js';
import { getKernels } from './kernels/index.js';
import { packedWords } from './kernels/types.js';
import { fmt, ShapeError } from './shape.js';
import { Tensor } from './tensor.js';

export class BitTensor implements PackedRows {
  /** Words per row (a multiple of 2, i.e. of 64 bits). */
  readonly wordsPerRow: number;

  constructor(readonly rows: number, readonly bits: number, readonly data: Uint32Array) {
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(bits) || bits < 0) {
      throw new ShapeError('BitTensor', `rows and bits must be non-negative integers, got ${rows}×${bits}`);
    }
    this.wordsPerRow = packedWords(bits);
    if (data.length !== rows * this.wordsPerRow) {
      throw new ShapeError('BitTensor', `${rows} rows of ${bits} bits need ${rows * this.wordsPerRow} words, got ${data.length}`);
    }
    const tail = bits % 64;
    if (tail !== 0) {
      // The XNOR-popcount identity needs zero padding bits; reject data that would silently break it.
      for (let r = 0; r < rows; r++) {
        const base = r * this.wordsPerRow;
        for (let j = bits; j < this.wordsPerRow * 32; j++) {
          if ((data[base + (j >>> 5)] >>> (j & 31)) & 1) throw new ShapeError('BitTensor', `row ${r} has a non-zero padding bit at position ${j} (bits = ${bits})`);
        }
      }
    }
  }

  /** Packs a 2-D float tensor by sign: x ≥ 0 → bit 1 (+1), x < 0 → bit 0 (−1). sign(0) = +1. */
  static fromSigns(x: Tensor): BitTensor {
    if (x.rank !== 2) throw new ShapeError('BitTensor.fromSigns', `expects a 2-D tensor, got ${fmt(x.shape)}`);
    const [rows, bits] = x.shape;
    const words = new Uint32Array(rows * packedWords(bits));
    getKernels().packSigns(x.f32, rows, bits, words);
    return new BitTensor(rows, bits, words);
  }

  /** Packs 0/1 values (any non-zero → 1). */
  static fromBits(values: ArrayLike<number>, rows: number, bits: number): BitTensor {
    if (values.length !== rows * bits) throw new ShapeError('BitTensor.fromBits', `${values.length} values for ${rows}×${bits}`);
    const wpr = packedWords(bits);
    const words = new Uint32Array(rows * wpr);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < bits; j++) if (values[r * bits + j]) words[r * wpr + (j >>> 5)] |= 1 << (j & 31);
    }
    return new BitTensor(rows, bits, words);
  }

  get(row: number, bit: number): 0 | 1 {
    return ((this.data[row * this.wordsPerRow + (bit >>> 5)] >>> (bit & 31)) & 1) as 0 | 1;
  }

  /** ±1 floats, [rows, bits]. */
  toSigns(): Tensor {
    const out = new Float32Array(this.rows * this.bits);
    getKernels().unpackSigns(this.data, this.rows, this.bits, out);
    return new Tensor(out, [this.rows, this.bits]);
  }

  /** Number of +1 bits per row. */
  popcount(): Int32Array {
    const out = new Int32Array(this.rows);
    getKernels().popcountRows(this.data, this.rows, this.bits, out);
    return out;
  }

  /** Storage in bits, padding included (what the bytes in memory cost). */
  get storageBits(): number {
    return this.data.length * 32;
  }
}

/**
 * a · bᵀ over ±1 values as exact int32: out[m, n] = bits − 2·popcount(a_m XOR b_n).
 * a: M×K bits, b: N×K bits (b's rows are the output units, like a dense weight [out, in]).
 */
export function xnorMatmul(a: BitTensor, b: BitTensor): Tensor {
  if (a.bits !== b.bits) throw new ShapeError('xnorMatmul', `inner sizes differ: ${a.rows}×${a.bits} bits · (${b.rows}×${b.bits} bits)ᵀ`);
  const out = new Int32Array(a.rows * b.rows);
  getKernels().bgemm(a.rows, b.rows, a.bits, a.data, b.data, out);
  return new Tensor(out, [a.rows, b.rows]);
}

export interface XnorConvOptions { stride?: number; padding?: number; groups?: number }

/**
 * Binary convolution with exact integer results: x and w are read by sign (x ≥ 0 → +1), padding cells
 * are −1 (bit 0, the fully-binarized networks' convention: a 0 is not a ±1 value), and every output is
 * Σ over the C/groups·KH·KW taps of x·w = K − 2·popcount(col XOR w) via binary im2col + XNOR-popcount
 * GEMM. x: [N, C, H, W], w: [OC, C/groups, KH, KW]; returns int32 [N, OC, OH, OW].
 */
export function xnorConv2d(x: Tensor, w: Tensor, opts: XnorConvOptions = {}): Tensor {
  const { stride = 1, padding = 0, groups = 1 } = opts;
  if (x.rank !== 4 || w.rank !== 4) throw new ShapeError('xnorConv2d', `expects x [N,C,H,W] and w [OC,C/groups,KH,KW], got ${fmt(x.shape)} and ${fmt(w.shape)}`);
  const [N, C, H, W] = x.shape, [OC, Cg, KH, KW] = w.shape;
  if (!Number.isInteger(groups) || groups < 1 || C % groups || OC % groups || Cg !== C / groups) {
    throw new ShapeError('xnorConv2d', `weight ${fmt(w.shape)} does not fit input ${fmt(x.shape)} with groups=${groups}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(padding) || padding < 0) {
    throw new ShapeError('xnorConv2d', `stride must be ≥ 1 and padding ≥ 0 integers, got ${stride}, ${padding}`);
  }
  const OH = Math.floor((H + 2 * padding - KH) / stride) + 1, OW = Math.floor((W + 2 * padding - KW) / stride) + 1;
  if (OH < 1 || OW < 1) throw new ShapeError('xnorConv2d', `kernel ${KH}×${KW} does not fit input ${H}×${W} with padding ${padding}`);
  const K = Cg * KH * KW, wpr = packedWords(K), rows = N * OH * OW, OCg = OC / groups;
  const X = x.f32, k = getKernels();
  const out = new Int32Array(N * OC * OH * OW);
  const cols = new Uint32Array(rows * wpr), acc = new Int32Array(rows * OCg), wBits = new Uint32Array(OCg * wpr);
  for (let g = 0; g < groups; g++) {
    cols.fill(0);
    // Row r = (n, oh, ow); bit j = (c, kh, kw), the order of a flattened weight row.
    for (let n = 0, r = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, r++) {
          for (let c = 0; c < Cg; c++) {
            const plane = (n * C + g * Cg + c) * H * W;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * stride - padding + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * stride - padding + kw;
                if (iw < 0 || iw >= W || !(X[plane + ih * W + iw] >= 0)) continue;
                const j = (c * KH + kh) * KW + kw;
                cols[r * wpr + (j >>> 5)] |= 1 << (j & 31);
              }
            }
          }
        }
      }
    }
    k.packSigns(w.f32.subarray(g * OCg * K, (g + 1) * OCg * K), OCg, K, wBits);
    k.bgemm(rows, OCg, K, cols, wBits, acc);
    for (let r = 0; r < rows; r++) {
      const n = Math.floor(r / (OH * OW)), p = r % (OH * OW);
      for (let j = 0; j < OCg; j++) out[(n * OC + g * OCg + j) * OH * OW + p] = acc[r * OCg + j];
    }
  }
  return new Tensor(out, [N, OC, OH, OW]);
}
