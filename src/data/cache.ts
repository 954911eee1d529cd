// Decoded-dataset cache (Node). One file per (dataset, split, options, source fingerprint):
//
//   0   8 bytes  magic "BSPKDSET"
//   8   u32 LE   format version (CACHE_VERSION)
//   12  u32 LE   header length H
//   16  H bytes  header JSON: key, name, split, shape, class names, array table, payload length, payload sha256
//   …   zero padding to a multiple of 8, then the payload (images u8, then each int32 array, LE, 4-aligned)
//
// Writes go to a temp file and are renamed into place, so readers never see a half-written cache.
// Reads check magic, version, key, sizes and the payload sha256; anything off is discarded and rebuilt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataError, PER_IMAGE_FIELDS, checkDataset, type ImageDataset, type PerImageField } from './dataset.js';
import type { LoadPlan } from './loader.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

export const CACHE_MAGIC = 'BSPKDSET';
export const CACHE_VERSION = 1;

interface ArrayEntry { field: 'images' | 'labels' | PerImageField; dtype: 'u8' | 'i32'; offset: number; length: number }
interface CacheHeader {
  key: string; name: string; split: string; shape: ImageDataset['shape'];
  classNames: string[]; classDescriptions?: string[]; coarseClassNames?: string[];
  arrays: ArrayEntry[]; payloadBytes: number; sha256: string;
}

export type CacheStatus = 'hit' | 'miss' | 'rebuilt' | 'disabled';

/** Hashes path, size and mtime of every source file: edits, additions and removals change the key. */
export function fingerprint(files: readonly string[]): string {
  const h = crypto.createHash('sha256');
  for (const f of files) {
    let st: fs.Stats;
    try { st = fs.statSync(f); } catch { throw new DataError(f, 'source file disappeared while fingerprinting'); }
    h.update(`${path.resolve(f)}\t${st.size}\t${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

const pad = (x: number, a: number): number => Math.ceil(x / a) * a;

export function encodeCache(ds: ImageDataset, key: string): Buffer {
  const arrays: ArrayEntry[] = [{ field: 'images', dtype: 'u8', offset: 0, length: ds.images.length }];
  let off = pad(ds.images.length, 4);
  for (const field of ['labels', ...PER_IMAGE_FIELDS] as const) {
    const a = ds[field];
    if (!a) continue;
    arrays.push({ field, dtype: 'i32', offset: off, length: a.length });
    off += 4 * a.length;
  }
  const payload = Buffer.alloc(off);
  payload.set(ds.images, 0);
  for (const e of arrays) {
    if (e.dtype !== 'i32') continue;
    const a = ds[e.field as 'labels'] as Int32Array;
    for (let i = 0; i < a.length; i++) payload.writeInt32LE(a[i], e.offset + 4 * i);
  }
  const header: CacheHeader = {
    key, name: ds.name, split: ds.split, shape: ds.shape, classNames: [...ds.classNames],
    classDescriptions: ds.classDescriptions && [...ds.classDescriptions], coarseClassNames: ds.coarseClassNames && [...ds.coarseClassNames],
    arrays, payloadBytes: payload.length, sha256: crypto.createHash('sha256').update(payload).digest('hex'),
  };
  const hjson = Buffer.from(JSON.stringify(header), 'utf8');
  const start = pad(16 + hjson.length, 8);
  const out = Buffer.alloc(start + payload.length);
  out.write(CACHE_MAGIC, 0, 'latin1');
  out.writeUInt32LE(CACHE_VERSION, 8);
  out.writeUInt32LE(hjson.length, 12);
  hjson.copy(out, 16);
  payload.copy(out, start);
  return out;
}

/** Decodes and validates a cache file's bytes; throws a message saying what is wrong. */
export function decodeCache(buf: Buffer, expectedKey: string): ImageDataset {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== CACHE_MAGIC) throw new Error(`bad magic (expected ${CACHE_MAGIC})`);
  const version = buf.readUInt32LE(8);
  if (version !== CACHE_VERSION) throw new Error(`format version ${version}, expected ${CACHE_VERSION}`);
  const hlen = buf.readUInt32LE(12);
  if (16 + hlen > buf.length) throw new Error('truncated header');
  const h = JSON.parse(buf.toString('utf8', 16, 16 + hlen)) as CacheHeader;
  if (h.key !== expectedKey) throw new Error('key mismatch (sources or options changed)');
  const start = pad(16 + hlen, 8);
  if (buf.length !== start + h.payloadBytes) throw new Error(`payload is ${buf.length - start} bytes, header says ${h.payloadBytes}`);
  const payload = buf.subarray(start);
  if (crypto.createHash('sha256').update(payload).digest('hex') !== h.sha256) throw new Error('payload checksum mismatch');
  const fields: Partial<Record<ArrayEntry['field'], Uint8Array | Int32Array>> = {};
  for (const e of h.arrays) {
    const bytes = e.dtype === 'u8' ? e.length : 4 * e.length;
    if (e.offset < 0 || e.offset + bytes > payload.length) throw new Error(`array ${e.field} lies outside the payload`);
    if (e.dtype === 'u8') fields[e.field] = new Uint8Array(payload.buffer, payload.byteOffset + e.offset, e.length);
    else {
      const a = new Int32Array(e.length);
      for (let i = 0; i < e.length; i++) a[i] = payload.readInt32LE(e.offset + 4 * i);
      fields[e.field] = a;
    }
  }
  if (!fields.images || !fields.labels) throw new Error('images or labels missing');
  const ds: ImageDataset = {
    name: h.name, split: h.split, shape: h.shape, classNames: h.classNames, classDescriptions: h.classDescriptions,
    coarseClassNames: h.coarseClassNames, images: fields.images as Uint8Array, labels: fields.labels as Int32Array,
    coarseLabels: fields.coarseLabels as Int32Array | undefined, sessions: fields.sessions as Int32Array | undefined,
    objects: fields.objects as Int32Array | undefined,
  };
  checkDataset(ds, 'cache');
  return ds;
}

export interface CachedLoadResult { dataset: ImageDataset; status: CacheStatus; file?: string; reason?: string }

/**
 * Loads through the cache: a valid cache file is returned as is; a missing one is built; a corrupt
 * or stale one is discarded and rebuilt. `cacheDir` undefined disables caching. A cache that cannot
 * be written (read-only dir, full disk) only costs a warning.
 */
export async function cachedLoad(plan: LoadPlan, id: { name: string; split: string; options: object }, cacheDir: string | undefined): Promise<CachedLoadResult> {
  if (!cacheDir) return { dataset: await plan.load(), status: 'disabled' };
  const key = JSON.stringify({ v: CACHE_VERSION, name: id.name, split: id.split, options: id.options, sources: fingerprint(plan.files) });
  const digest = crypto.createHash('sha256').update(key).digest('hex').slice(0, 20);
  const file = path.join(cacheDir, `${id.name}-${id.split.replace(/[^\w.-]/g, '_')}-${digest}.bsds`);
  let status: CacheStatus = 'miss', reason: string | undefined;
  if (fs.existsSync(file)) {
    try {
      return { dataset: decodeCache(fs.readFileSync(file), key), status: 'hit', file };
    } catch (e) {
      status = 'rebuilt';
      reason = (e as Error).message;
      fs.rmSync(file, { force: true });
    }
  }
  const dataset = await plan.load();
  try {
    writeFileAtomic(file, encodeCache(dataset, key));
  } catch (e) {
    process.emitWarning(`bitspike: could not write dataset cache ${file}: ${(e as Error).message}`);
  }
  return { dataset, status, file, reason };
}
