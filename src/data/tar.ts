// A minimal tar reader (ustar, GNU long names, pax path records) over an in-memory archive. Pure:
// the official CIFAR archives are plain ustar files, so a full tar library would be dead weight.
import { DataError } from './dataset.js';

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, … (the ustar typeflag). */
  type: string;
  data: Uint8Array;
}

const decoder = new TextDecoder();

function str(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return decoder.decode(z < 0 ? s : s.subarray(0, z));
}

function octal(b: Uint8Array, off: number, len: number, archive: string, what: string): number {
  // GNU base-256 encoding for sizes ≥ 8 GiB: high bit of the first byte set.
  if (b[off] & 0x80) {
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = str(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new DataError(archive, `corrupt tar header: ${what} field '${s}' is not octal`);
  return parseInt(s, 8);
}

/** Lists the entries of a tar archive; throws naming `archive` on a corrupt or truncated one. */
export function readTar(bytes: Uint8Array, archive: string): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= bytes.length) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((x) => x === 0)) return out; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(h, 148, 8, archive, 'checksum');
    if (stored !== sum) throw new DataError(archive, `corrupt tar header at byte ${off}: checksum ${stored}, computed ${sum}`);
    const size = octal(h, 124, 12, archive, 'size');
    const type = String.fromCharCode(h[156] || 0x30);
    const prefix = str(h, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    longName = undefined;
    const start = off + 512;
    if (start + size > bytes.length) {
      throw new DataError(archive, `truncated tar archive: entry '${name}' needs ${size} bytes at ${start}, archive has ${bytes.length}`);
    }
    const data = bytes.subarray(start, start + size);
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = str(data, 0, data.length); continue; }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(decoder.decode(data));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'g') continue;
    if (type === '5' && !name.endsWith('/')) name += '/';
    out.push({ name, type, data });
  }
  if (off !== bytes.length) throw new DataError(archive, `truncated tar archive: ${bytes.length - off} stray bytes after the last complete entry`);
  // Archives without the zero end blocks are tolerated when they end exactly on an entry boundary.
  return out;
}
