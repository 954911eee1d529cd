// Reading ONNX models from files in Node: the model file, and external-data files named by its
// tensors, resolved relative to the model's folder. A location must stay inside that folder (no
// absolute paths, no '..' escapes, no symlink out of it), so a downloaded model cannot make bitspike
// read arbitrary files.
import fs from 'node:fs';
import path from 'node:path';
import { OnnxError } from './errors.js';
import { loadOnnx, type OnnxModel } from './model.js';

export function readOnnxFile(file: string): OnnxModel {
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch (e) { throw new OnnxError(`${file}: cannot read ONNX file (${(e as Error).message})`); }
  const dir = path.dirname(path.resolve(file));
  const cache = new Map<string, Uint8Array>();
  const readExternal = (location: string): Uint8Array => {
    const hit = cache.get(location);
    if (hit) return hit;
    const data = readExternalFile(file, dir, location);
    cache.set(location, data);
    return data;
  };
  return loadOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { source: file, readExternal });
}

function readExternalFile(file: string, dir: string, location: string): Uint8Array {
  if (location.includes('\0') || path.isAbsolute(location) || path.win32.isAbsolute(location)) {
    throw new OnnxError(`${file}: external data location '${location}' must be a path relative to the model's folder`);
  }
  const target = path.resolve(dir, location);
  const inside = (p: string, root: string) => { const r = path.relative(root, p); return r !== '' && !r.startsWith('..') && !path.isAbsolute(r); };
  if (!inside(target, dir)) throw new OnnxError(`${file}: external data location '${location}' points outside the model's folder`);
  let real: string;
  try { real = fs.realpathSync(target); } catch (e) { throw new OnnxError(`${file}: external data file '${location}' cannot be read (${(e as Error).message})`); }
  if (!inside(real, fs.realpathSync(dir))) throw new OnnxError(`${file}: external data file '${location}' resolves (through a link) outside the model's folder`);
  const b = fs.readFileSync(real);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
