// Fixture builders for the data tests: tiny datasets written in the exact official layouts (IDX,
// CIFAR binary + tar.gz, image folders, TinyImageNet, CORe50), encoded with the same pure-JS codecs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { Rng } from '../../src/engine/random.js';

/** A fresh temp directory removed when the test ends. */
export function tmpDir(t: { after(fn: () => void): void }, prefix = 'bitspike-data-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

export function write(file: string, data: Uint8Array | string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08; out[3] = dims.length;
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.nextU32() & 0xff;
  return b;
}

/** Writes an MNIST-style IDX dataset (n per split, 28×28, labels i % 10); returns the arrays used. */
export function writeMnist(dir: string, counts: { train: number; test: number }, gzip = true): Record<'train' | 'test', { images: Uint8Array; labels: Uint8Array }> {
  const out = {} as Record<'train' | 'test', { images: Uint8Array; labels: Uint8Array }>;
  for (const split of ['train', 'test'] as const) {
    const n = counts[split], prefix = split === 'train' ? 'train' : 't10k';
    const images = randomBytes(n * 784, n + (split === 'train' ? 1 : 2));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const z = (b: Uint8Array): Uint8Array => (gzip ? zlib.gzipSync(b) : b);
    const ext = gzip ? '.gz' : '';
    write(path.join(dir, `${prefix}-images-idx3-ubyte${ext}`), z(idxBytes([n, 28, 28], images)));
    write(path.join(dir, `${prefix}-labels-idx1-ubyte${ext}`), z(idxBytes([n], labels)));
    out[split] = { images, labels };
  }
  return out;
}

/** ustar archive of regular files (names < 100 chars). */
export function tarBytes(entries: { name: string; data: Uint8Array | string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? new TextEncoder().encode(e.data) : e.data;
    const h = new Uint8Array(512);
    const put = (s: string, off: number): void => { h.set(new TextEncoder().encode(s), off); };
    put(e.name, 0);
    put('0000644\0', 100); put('0000000\0', 108); put('0000000\0', 116);
    put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    put('        ', 148);
    h[156] = 0x30;
    put('ustar\0', 257); put('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const total = blocks.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of blocks) { out.set(b, o); o += b.length; }
  return out;
}

/** CIFAR binary records: perClass images of every class, HWC source pixels returned for checking. */
export function cifarRecords(variant: 'cifar10' | 'cifar100', perClass: number, seed: number): { bytes: Uint8Array; hwc: Uint8Array; labels: number[]; coarse: number[] } {
  const k = variant === 'cifar10' ? 10 : 100, lb = variant === 'cifar10' ? 1 : 2;
  const n = k * perClass, rec = lb + 3072;
  const hwc = randomBytes(n * 3072, seed);
  const bytes = new Uint8Array(n * rec);
  const labels: number[] = [], coarse: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = (i * 7) % k, c = y % 20;
    labels.push(y); coarse.push(c);
    const o = i * rec;
    if (lb === 2) bytes[o] = c;
    bytes[o + lb - 1] = y;
    for (let p = 0; p < 1024; p++) for (let ch = 0; ch < 3; ch++) bytes[o + lb + ch * 1024 + p] = hwc[i * 3072 + p * 3 + ch];
  }
  return { bytes, hwc, labels, coarse };
}

export const CIFAR10_META = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';
export const fineNames = (): string => Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n') + '\n';
export const coarseNames = (): string => Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n') + '\n';

/** Official cifar-10-batches-bin member files: 5 train batches of `perClass`·10 each, test batch. */
export function cifar10Members(perClass: number): { name: string; data: Uint8Array | string }[] {
  const m: { name: string; data: Uint8Array | string }[] = [];
  for (let b = 1; b <= 5; b++) m.push({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: cifarRecords('cifar10', perClass, b).bytes });
  m.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords('cifar10', perClass, 99).bytes });
  m.push({ name: 'cifar-10-batches-bin/batches.meta.txt', data: CIFAR10_META });
  return m;
}

export function cifar100Members(perClass: number): { name: string; data: Uint8Array | string }[] {
  return [
    { name: 'cifar-100-binary/train.bin', data: cifarRecords('cifar100', perClass, 5).bytes },
    { name: 'cifar-100-binary/test.bin', data: cifarRecords('cifar100', 1, 6).bytes },
    { name: 'cifar-100-binary/fine_label_names.txt', data: fineNames() },
    { name: 'cifar-100-binary/coarse_label_names.txt', data: coarseNames() },
  ];
}

/** An RGB image w×h with pixel (x, y) = (x·16+k, y·16+k, k) so content is checkable. */
export function patternRgb(w: number, h: number, k: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    d[o] = (x * 16 + k) & 255; d[o + 1] = (y * 16 + k) & 255; d[o + 2] = k & 255;
  }
  return d;
}

export function pngBytes(rgb: Uint8Array, w: number, h: number, grey = false): Uint8Array {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) { p.data[4 * i] = rgb[3 * i]; p.data[4 * i + 1] = rgb[3 * i + 1]; p.data[4 * i + 2] = rgb[3 * i + 2]; p.data[4 * i + 3] = 255; }
  return pngjs.PNG.sync.write(p, grey ? { colorType: 0 } : { colorType: 2 });
}

export function jpegBytes(rgb: Uint8Array, w: number, h: number, quality = 95): Uint8Array {
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) { rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2]; rgba[4 * i + 3] = 255; }
  return jpeg.encode({ width: w, height: h, data: rgba }, quality).data;
}

/** tiny-imagenet-200 layout with `wnids` classes, `perClass` train images, `val` images round-robin. */
export function writeTinyImageNet(root: string, wnids: string[], perClass: number, val: number): string {
  const dir = path.join(root, 'tiny-imagenet-200');
  write(path.join(dir, 'wnids.txt'), wnids.join('\n') + '\n');
  write(path.join(dir, 'words.txt'), ['n00001740\tentity', ...wnids.map((w) => `${w}\tthing ${w}, object`)].join('\n') + '\n');
  wnids.forEach((w, k) => {
    const boxes: string[] = [];
    for (let i = 0; i < perClass; i++) {
      write(path.join(dir, 'train', w, 'images', `${w}_${i}.JPEG`), jpegBytes(patternRgb(64, 64, k * 10 + i), 64, 64));
      boxes.push(`${w}_${i}.JPEG\t0\t0\t63\t63`);
    }
    write(path.join(dir, 'train', w, `${w}_boxes.txt`), boxes.join('\n') + '\n');
  });
  const ann: string[] = [];
  for (let i = 0; i < val; i++) {
    write(path.join(dir, 'val', 'images', `val_${i}.JPEG`), jpegBytes(patternRgb(64, 64, 200 + i), 64, 64));
    ann.push(`val_${i}.JPEG\t${wnids[i % wnids.length]}\t1\t2\t60\t61`);
  }
  write(path.join(dir, 'val', 'val_annotations.txt'), ann.join('\n') + '\n');
  write(path.join(dir, 'test', 'images', 'test_0.JPEG'), jpegBytes(patternRgb(64, 64, 7), 64, 64));
  return dir;
}

/** core50_128x128 layout: 11 sessions × 50 objects × `frames` PNGs of size×size (small for speed). */
export function writeCore50(root: string, frames: number, size = 8): string {
  const dir = path.join(root, 'core50', 'core50_128x128');
  const cache = new Map<number, Uint8Array>();
  for (let s = 1; s <= 11; s++) for (let o = 1; o <= 50; o++) for (let f = 0; f < frames; f++) {
    const k = (o * 5 + s) & 255;
    if (!cache.has(k)) cache.set(k, pngBytes(patternRgb(size, size, k), size, size));
    const name = `C_${String(s).padStart(2, '0')}_${String(o).padStart(2, '0')}_${String(f).padStart(3, '0')}.png`;
    write(path.join(dir, `s${s}`, `o${o}`, name), cache.get(k)!);
  }
  return dir;
}
