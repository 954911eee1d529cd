// Unpacking downloaded archives into a dataset folder (Node): .tar.gz via the in-memory tar reader,
// .zip via its central directory with every entry's CRC-32 and size checked. Entry names that are
// absolute or climb out with '..' are refused, so an archive cannot write outside its folder.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { crc32 } from './crc32.js';
import { DataError } from './dataset.js';
import { readTar } from './tar.js';

function safeTarget(dest: string, name: string, archive: string): string {
  const clean = name.replace(/\\/g, '/');
  if (clean.startsWith('/') || /^[a-zA-Z]:/.test(clean) || clean.split('/').includes('..')) {
    throw new DataError(archive, `refusing unsafe entry name '${name}' (absolute or contains '..')`);
  }
  return path.join(dest, clean);
}

/** Extracts a .tar.gz (or plain .tar) archive into `dest`; returns the number of files written. */
export function extractTarGz(archive: string, dest: string): number {
  let bytes: Uint8Array = fs.readFileSync(archive);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try { bytes = zlib.gunzipSync(bytes); } catch (e) { throw new DataError(archive, `gzip stream is corrupt or truncated (${(e as Error).message})`); }
  }
  let n = 0;
  for (const e of readTar(bytes, archive)) {
    const target = safeTarget(dest, e.name, archive);
    if (e.type === '5') { fs.mkdirSync(target, { recursive: true }); continue; }
    if (e.type !== '0' && e.type !== '\0') continue; // links and devices are not part of any dataset
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, e.data);
    n++;
  }
  return n;
}

interface ZipEntry { name: string; method: number; crc: number; csize: number; usize: number; offset: number }

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const got = fs.readSync(fd, b, 0, len, pos);
  return got === len ? b : b.subarray(0, got);
}

function zipDirectory(fd: number, size: number, archive: string): ZipEntry[] {
  const tailLen = Math.min(size, 65557);
  const tail = readAt(fd, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new DataError(archive, 'not a zip archive or truncated: end-of-central-directory record not found');
  let count = tail.readUInt16LE(eocd + 10), cdSize = tail.readUInt32LE(eocd + 12), cdOff = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOff === 0xffffffff) {
    const loc = size - tailLen + eocd - 20;
    const l = readAt(fd, loc, 20);
    if (l.length < 20 || l.readUInt32LE(0) !== 0x07064b50) throw new DataError(archive, 'zip64 locator missing');
    const z = readAt(fd, Number(l.readBigUInt64LE(8)), 56);
    if (z.readUInt32LE(0) !== 0x06064b50) throw new DataError(archive, 'zip64 end-of-central-directory record missing');
    count = Number(z.readBigUInt64LE(32)); cdSize = Number(z.readBigUInt64LE(40)); cdOff = Number(z.readBigUInt64LE(48));
  }
  if (cdOff + cdSize > size) throw new DataError(archive, `truncated zip: central directory at ${cdOff}+${cdSize} is past the end (${size} bytes)`);
  const cd = readAt(fd, cdOff, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new DataError(archive, `corrupt zip central directory at entry ${i}`);
    const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
    const e: ZipEntry = {
      method: cd.readUInt16LE(p + 10), crc: cd.readUInt32LE(p + 16), csize: cd.readUInt32LE(p + 20), usize: cd.readUInt32LE(p + 24),
      offset: cd.readUInt32LE(p + 42), name: cd.toString('utf8', p + 46, p + 46 + nameLen),
    };
    // zip64 extra field (id 1): 8-byte values for whichever of usize, csize, offset overflowed.
    let x = p + 46 + nameLen;
    const xend = x + extraLen;
    while (x + 4 <= xend) {
      const id = cd.readUInt16LE(x), len = cd.readUInt16LE(x + 2);
      if (id === 1) {
        let q = x + 4;
        if (e.usize === 0xffffffff) { e.usize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (e.csize === 0xffffffff) { e.csize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (e.offset === 0xffffffff) e.offset = Number(cd.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    out.push(e);
    p = xend + commentLen;
  }
  return out;
}

/** Extracts a .zip archive into `dest`, verifying sizes and CRC-32s; returns the number of files written. */
export function extractZip(archive: string, dest: string): number {
  const fd = fs.openSync(archive, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let n = 0;
    for (const e of zipDirectory(fd, size, archive)) {
      const target = safeTarget(dest, e.name, archive);
      if (e.name.endsWith('/')) { fs.mkdirSync(target, { recursive: true }); continue; }
      const lh = readAt(fd, e.offset, 30);
      if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50) throw new DataError(archive, `corrupt zip: local header of '${e.name}' not found at ${e.offset}`);
      const start = e.offset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      if (start + e.csize > size) throw new DataError(archive, `truncated zip: '${e.name}' extends past the end of the file`);
      const comp = readAt(fd, start, e.csize);
      let data: Buffer;
      if (e.method === 0) data = comp;
      else if (e.method === 8) {
        try { data = zlib.inflateRawSync(comp); } catch (err) { throw new DataError(archive, `corrupt zip entry '${e.name}': ${(err as Error).message}`); }
      } else throw new DataError(archive, `zip entry '${e.name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
      if (data.length !== e.usize) throw new DataError(archive, `zip entry '${e.name}' inflated to ${data.length} bytes, directory says ${e.usize}`);
      if (crc32(data) !== e.crc) throw new DataError(archive, `zip entry '${e.name}' fails its CRC-32 check: the archive is corrupt`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
      n++;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}
