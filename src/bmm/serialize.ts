// Versioned binary format for a BernoulliMixture (little-endian):
//
//   offset size  field
//        0    4  magic "BSBM"
//        4    2  format version (uint16) = 1
//        6    1  precision code: 0 = f32, 1 = u8, 2 = u4
//        7    1  reserved, 0
//        8    4  components K (uint32)
//       12    4  bits D (uint32)
//       16    8  eps (float64)
//       24    4  payload length in bytes (uint32)
//       28    4  CRC-32 (IEEE) of bytes [0, 28) followed by the payload
//       32    …  payload: π (K entries) then μ (K·D entries, component-major)
//
// Payload encodings (quantize.ts): f32 → float32 π and μ; u8 → uint8 codes of π and μ; u4 → uint8
// codes of π, then μ codes as 4-bit nibbles, low nibble first, zero-padded to a whole byte.
// Payload bits = memoryBits(precision) (+4 padding bits for u4 when K·D is odd).
import { type Precision, PRECISIONS, precisionBits } from './memory.js';
import { BernoulliMixture } from './model.js';
import { quantizeProbability, quantizeWeights } from './quantize.js';
import { crc32 } from '../data/crc32.js';

export const BMM_FORMAT_VERSION = 1;
const MAGIC = [0x42, 0x53, 0x42, 0x4d]; // "BSBM"
const HEADER_BYTES = 32;

/** CRC-32 over the header's first 28 bytes and the payload (the checksum field itself excluded). */
const checksum = (head: Uint8Array, payload: Uint8Array): number => crc32(payload, crc32(head));

function payloadBytes(K: number, D: number, precision: Precision): number {
  const b = precisionBits(precision);
  return (K * b.pi) / 8 + Math.ceil((K * D * b.mu) / 8);
}

export function serializeBmm(model: BernoulliMixture, precision: Precision = 'u8'): Uint8Array {
  if (!(model instanceof BernoulliMixture)) throw new TypeError('serializeBmm: model must be a BernoulliMixture');
  const code = PRECISIONS.indexOf(precision);
  if (code < 0) throw new RangeError(`serializeBmm: precision must be one of ${PRECISIONS.join(', ')}, got ${String(precision)}`);
  const { components: K, bits: D } = model;
  const n = payloadBytes(K, D, precision);
  const out = new Uint8Array(HEADER_BYTES + n);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, BMM_FORMAT_VERSION, true);
  view.setUint8(6, code);
  view.setUint32(8, K, true);
  view.setUint32(12, D, true);
  view.setFloat64(16, model.eps, true);
  view.setUint32(24, n, true);
  let at = HEADER_BYTES;
  if (precision === 'f32') {
    for (let k = 0; k < K; k++, at += 4) view.setFloat32(at, model.pi[k], true);
    for (let i = 0; i < K * D; i++, at += 4) view.setFloat32(at, model.mu[i], true);
  } else {
    const b = precisionBits(precision);
    out.set(quantizeWeights(model.pi), at);
    at += K;
    if (b.mu === 8) {
      for (let i = 0; i < K * D; i++) out[at++] = quantizeProbability(model.mu[i], 8);
    } else {
      for (let i = 0; i < K * D; i++) out[at + (i >>> 1)] |= quantizeProbability(model.mu[i], 4) << ((i & 1) << 2);
    }
  }
  view.setUint32(28, checksum(out.subarray(0, 28), out.subarray(HEADER_BYTES)), true);
  return out;
}

function fail(msg: string): never {
  throw new Error(`deserializeBmm: ${msg}`);
}

export function deserializeBmm(bytes: Uint8Array): BernoulliMixture {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('deserializeBmm: bytes must be a Uint8Array');
  if (bytes.length < HEADER_BYTES) fail(`truncated: ${bytes.length} bytes, a header alone takes ${HEADER_BYTES}`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) fail('not a bitspike BMM (bad magic; expected "BSBM")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== BMM_FORMAT_VERSION) fail(`unsupported format version ${version} (this build reads version ${BMM_FORMAT_VERSION})`);
  const code = view.getUint8(6);
  const precision = PRECISIONS[code];
  if (precision === undefined) fail(`unknown precision code ${code} (expected 0 = f32, 1 = u8, 2 = u4)`);
  const K = view.getUint32(8, true), D = view.getUint32(12, true);
  const eps = view.getFloat64(16, true);
  const n = view.getUint32(24, true);
  if (K < 1 || D < 1) fail(`invalid shape: components ${K}, bits ${D}`);
  const expected = payloadBytes(K, D, precision);
  if (n !== expected) fail(`payload length field is ${n}, but K = ${K}, D = ${D} at ${precision} needs ${expected}`);
  if (bytes.length !== HEADER_BYTES + n) fail(`truncated or padded: ${bytes.length} bytes, expected ${HEADER_BYTES + n}`);
  if (checksum(bytes.subarray(0, 28), bytes.subarray(HEADER_BYTES)) !== view.getUint32(28, true)) fail('checksum mismatch: the data is corrupted');
  const mu = new Float64Array(K * D);
  const pi = new Float64Array(K);
  let at = HEADER_BYTES;
  if (precision === 'f32') {
    for (let k = 0; k < K; k++, at += 4) pi[k] = view.getFloat32(at, true);
    for (let i = 0; i < K * D; i++, at += 4) mu[i] = view.getFloat32(at, true);
  } else {
    const b = precisionBits(precision);
    for (let k = 0; k < K; k++) pi[k] = bytes[at++] / 256;
    const L = 1 << b.mu;
    for (let i = 0; i < K * D; i++) {
      const q = b.mu === 8 ? bytes[at + i] : (bytes[at + (i >>> 1)] >>> ((i & 1) << 2)) & 15;
      if (q === 0) fail(`μ code 0 at entry ${i} (valid codes are 1 … ${L - 1})`);
      mu[i] = q / L;
    }
  }
  // The constructor clamps μ to [eps, 1 − eps] and renormalises π (clamp after dequantisation).
  return new BernoulliMixture({ components: K, bits: D, mu, pi, eps });
}
