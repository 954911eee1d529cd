// NumPy's .npy format (numpy.org/doc/stable/reference/generated/numpy.lib.format.html) for float
// arrays: read float32 (and float64, converted) C-order arrays, write float32. Bytes in, bytes out,
// so Node and browsers share it; errors name the source and what was expected.

export interface NpyArray { shape: number[]; data: Float32Array }

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyError extends Error {
  override name = 'NpyError';
}

export function readNpy(bytes: Uint8Array, source = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError(`${source}: not a .npy file (missing the \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyError(`${source}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new NpyError(`${source}: truncated .npy header`);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + headerLen) throw new NpyError(`${source}: truncated .npy header (${headerLen} bytes announced, ${bytes.length - start} present)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new NpyError(`${source}: Fortran-order arrays are not supported (save with np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyError(`${source}: invalid shape (${shapeText})`);
  const n = shape.reduce((p, d) => p * d, 1);
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!width) throw new NpyError(`${source}: dtype '${descr}' is not supported; expected float32 ('<f4') or float64 ('<f8') (use x.astype(np.float32))`);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < n * width) throw new NpyError(`${source}: truncated .npy data: shape (${shape.join(', ')}) needs ${n * width} bytes, ${bytes.length - dataStart} present`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = width === 4 ? dv.getFloat32(dataStart + 4 * i, true) : dv.getFloat64(dataStart + 8 * i, true);
  return { shape, data };
}

/** A version 1.0 .npy of float32 values ('<f4', C order). */
export function writeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const n = shape.reduce((p, d) => p * d, 1);
  if (n !== data.length) throw new NpyError(`writeNpy: shape (${shape.join(', ')}) needs ${n} values, got ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Data starts on a 64-byte boundary; the header ends with a newline.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + 4 * n);
  out.set(MAGIC, 0);
  out[6] = 1; out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < n; i++) dv.setFloat32(10 + header.length + 4 * i, data[i], true);
  return out;
}
