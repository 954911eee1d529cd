// IDX (the MNIST container): a 4-byte magic [0, 0, dtype, ndims], ndims big-endian uint32 sizes, then
// the payload. Pure (no Node imports), so a browser can parse a fetched file; gzip is undone with
// fflate when the bytes start with the gzip magic.
import { gunzipSync } from 'fflate';
import { DataError, type ImageDataset } from './dataset.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** gunzips `bytes` if they carry the gzip magic (1f 8b), otherwise returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(file, `gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
}

/** Parses an unsigned-byte IDX file (dtype 0x08, the only type MNIST-style datasets use). */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4) throw new DataError(file, `IDX file is ${bytes.length} bytes, too short for the 4-byte magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(file, `bad IDX magic ${hex(bytes.subarray(0, 4))}: expected 00 00 08 0N (uint8 data)`);
  }
  if (bytes[2] !== 0x08) throw new DataError(file, `IDX dtype 0x${bytes[2].toString(16).padStart(2, '0')} is not supported: expected 0x08 (uint8)`);
  const ndims = bytes[3];
  if (ndims === 0) throw new DataError(file, 'IDX header declares 0 dimensions');
  if (expectedDims !== undefined && ndims !== expectedDims) {
    throw new DataError(file, `IDX magic declares ${ndims} dimensions, expected ${expectedDims} (${expectedDims === 1 ? 'a label file' : 'an image file'})`);
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) throw new DataError(file, `truncated IDX header: ${bytes.length} bytes, expected ${headerLen}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const v = view.getUint32(4 + 4 * d, false);
    dims.push(v);
    count *= v;
  }
  const have = bytes.length - headerLen;
  if (have !== count) {
    const what = have < count ? 'truncated' : 'has trailing bytes';
    throw new DataError(file, `IDX payload ${what}: header dims [${dims.join(', ')}] need ${count} bytes, file has ${have}`);
  }
  return { dims, data: bytes.subarray(headerLen) };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Builds a dataset from an IDX image file (N×H×W) and its IDX label file (N), checking that they
 * agree and that every label names a class.
 */
export function idxDataset(
  images: Uint8Array, labels: Uint8Array, files: { images: string; labels: string },
  meta: { name: string; split: string; classNames: readonly string[] },
): ImageDataset {
  const im = parseIdx(maybeGunzip(images, files.images), files.images, 3);
  const lb = parseIdx(maybeGunzip(labels, files.labels), files.labels, 1);
  const [n, h, w] = im.dims;
  if (lb.dims[0] !== n) {
    throw new DataError(files.labels, `has ${lb.dims[0]} labels but ${files.images} has ${n} images: the label file does not match the image file`);
  }
  const k = meta.classNames.length;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (lb.data[i] >= k) throw new DataError(files.labels, `label ${lb.data[i]} at index ${i} is outside [0, ${k})`);
    y[i] = lb.data[i];
  }
  // Copy so the dataset does not pin the (possibly much larger) decompressed buffer.
  return { name: meta.name, split: meta.split, images: new Uint8Array(im.data), labels: y, shape: { n, h, w, c: 1 }, classNames: [...meta.classNames] };
}
