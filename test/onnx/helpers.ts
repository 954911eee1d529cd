// Fixture access for the ONNX tests: files committed under test/fixtures/onnx (made by
// scripts/onnx-fixtures.py with PyTorch and onnxruntime; the tests never run Python).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, type NpyArray } from '../../src/data/npy.js';

// build/test/onnx → repository root.
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'onnx');

export const fixture = (name: string): string => path.join(FIXTURES, name);

export function npy(name: string): NpyArray {
  const b = fs.readFileSync(fixture(name));
  return readNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), name);
}

/** max |a − b| / max |b|: the error relative to the reference's scale (elementwise ratios blow up near 0). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / (scale || 1);
}
