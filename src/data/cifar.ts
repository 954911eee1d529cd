// CIFAR-10 / CIFAR-100 "binary version" (the official .tar.gz or its extracted folder), plus the
// CIFAR-10 image-folder layout `train|test/<class>/*.jpg`. Record parsing is pure; file access is Node.
import fs from 'node:fs';
import path from 'node:path';
import { DataError, checkDataset, labelHistogram, type ImageDataset } from './dataset.js';
import { maybeGunzip } from './idx.js';
import { planImageFolder } from './imageFolder.js';
import type { LoadPlan } from './loader.js';
import { readTar } from './tar.js';

export const CIFAR10_CLASSES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const PIXELS = 32 * 32;

export type CifarVariant = 'cifar10' | 'cifar100';

export const CIFAR_LAYOUT = {
  cifar10: { folder: 'cifar-10-batches-bin', archive: 'cifar-10-binary.tar.gz', labelBytes: 1, classes: 10,
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'], test: ['test_batch.bin'] },
  cifar100: { folder: 'cifar-100-binary', archive: 'cifar-100-binary.tar.gz', labelBytes: 2, classes: 100, train: ['train.bin'], test: ['test.bin'] },
} as const;

/**
 * Parses binary records: [coarse label (CIFAR-100 only)] [label] then 1024 R, 1024 G, 1024 B bytes
 * (each plane row-major 32×32), transposed here to HWC.
 */
export function parseCifarRecords(bytes: Uint8Array, file: string, variant: CifarVariant): { images: Uint8Array; labels: Int32Array; coarse?: Int32Array } {
  const { labelBytes, classes } = CIFAR_LAYOUT[variant];
  const rec = labelBytes + 3 * PIXELS;
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new DataError(file, `size ${bytes.length} is not a positive multiple of the ${rec}-byte ${variant} record (${labelBytes} label byte(s) + 3072 pixels): truncated or not a ${variant} binary file`);
  }
  const n = bytes.length / rec;
  const images = new Uint8Array(n * 3 * PIXELS);
  const labels = new Int32Array(n);
  const coarse = labelBytes === 2 ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const o = i * rec;
    const y = bytes[o + labelBytes - 1];
    if (y >= classes) throw new DataError(file, `record ${i}: label ${y} is outside [0, ${classes}) — not a ${variant} file?`);
    labels[i] = y;
    if (coarse) {
      if (bytes[o] >= 20) throw new DataError(file, `record ${i}: coarse label ${bytes[o]} is outside [0, 20)`);
      coarse[i] = bytes[o];
    }
    const px = o + labelBytes, dst = i * 3 * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      images[dst + 3 * p] = bytes[px + p];
      images[dst + 3 * p + 1] = bytes[px + PIXELS + p];
      images[dst + 3 * p + 2] = bytes[px + 2 * PIXELS + p];
    }
  }
  return { images, labels, coarse };
}

/** Label-name files: one name per line, blank lines ignored; the count must match. */
export function parseNames(text: string, file: string, expected: number): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length !== expected) throw new DataError(file, `has ${names.length} class names, expected ${expected}`);
  return names;
}

/** CIFAR splits are exactly class-balanced; a truncation on a record boundary shows up here. */
export function checkBalanced(labels: Int32Array, k: number, file: string): void {
  const h = labelHistogram(labels, k);
  for (let c = 1; c < k; c++) {
    if (h[c] !== h[0]) throw new DataError(file, `class ${c} has ${h[c]} images but class 0 has ${h[0]}: official CIFAR splits are balanced, so the files are truncated or mixed`);
  }
}

/** Reads the member files of one split, either from a folder or from the in-memory archive. */
type Reader = (member: string) => Uint8Array;

function assemble(variant: CifarVariant, split: 'train' | 'test', read: Reader, where: (m: string) => string): ImageDataset {
  const L = CIFAR_LAYOUT[variant];
  const parts = L[split].map((m) => ({ m, ...parseCifarRecords(read(m), where(m), variant) }));
  if (split === 'train' && parts.length > 1) {
    const n0 = parts[0].labels.length;
    for (const p of parts) if (p.labels.length !== n0) throw new DataError(where(p.m), `has ${p.labels.length} records, ${L[split][0]} has ${n0}: training batches must be equal-sized`);
  }
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * 3 * PIXELS), labels = new Int32Array(n), coarse = variant === 'cifar100' ? new Int32Array(n) : undefined;
  let off = 0;
  for (const p of parts) {
    images.set(p.images, off * 3 * PIXELS);
    labels.set(p.labels, off);
    if (coarse && p.coarse) coarse.set(p.coarse, off);
    off += p.labels.length;
  }
  const first = where(L[split][0]);
  let classNames: string[], coarseClassNames: string[] | undefined;
  if (variant === 'cifar10') {
    classNames = parseNames(new TextDecoder().decode(read('batches.meta.txt')), where('batches.meta.txt'), 10);
  } else {
    classNames = parseNames(new TextDecoder().decode(read('fine_label_names.txt')), where('fine_label_names.txt'), 100);
    coarseClassNames = parseNames(new TextDecoder().decode(read('coarse_label_names.txt')), where('coarse_label_names.txt'), 20);
  }
  checkBalanced(labels, L.classes, first);
  const ds: ImageDataset = { name: variant, split, images, labels, shape: { n, h: 32, w: 32, c: 3 }, classNames, coarseLabels: coarse, coarseClassNames };
  checkDataset(ds, first);
  return ds;
}

/**
 * Plans a CIFAR load from `dir`, which may hold the extracted folder (or be it), the official
 * .tar.gz, or (CIFAR-10 only) `train|test/<class>/*.jpg`.
 */
export function planCifar(dir: string, variant: CifarVariant, split: string): LoadPlan {
  if (split !== 'train' && split !== 'test') throw new DataError(dir, `${variant} has splits train and test, not '${split}'`);
  const L = CIFAR_LAYOUT[variant];
  const folder = [path.join(dir, L.folder), dir].find((d) => fs.existsSync(path.join(d, L[split][0])));
  if (folder) {
    const names = variant === 'cifar10' ? ['batches.meta.txt'] : ['fine_label_names.txt', 'coarse_label_names.txt'];
    const members = [...L[split], ...names];
    const where = (m: string): string => path.join(folder, m);
    const read: Reader = (m) => {
      try { return fs.readFileSync(where(m)); } catch { throw new DataError(where(m), `missing: the ${variant} binary layout needs ${members.join(', ')}`); }
    };
    return { files: members.map(where).filter((f) => fs.existsSync(f)), load: () => assemble(variant, split, read, where) };
  }
  const archive = path.join(dir, L.archive);
  if (fs.existsSync(archive)) {
    return {
      files: [archive],
      load: () => {
        const entries = new Map(readTar(maybeGunzip(fs.readFileSync(archive), archive), archive).map((e) => [e.name.replace(/^\.\//, ''), e.data]));
        const where = (m: string): string => `${archive}:${L.folder}/${m}`;
        return assemble(variant, split, (m) => {
          const d = entries.get(`${L.folder}/${m}`);
          if (!d) throw new DataError(where(m), 'missing from the archive');
          return d;
        }, where);
      },
    };
  }
  if (variant === 'cifar10' && fs.existsSync(path.join(dir, split))) {
    const inner = planImageFolder(dir, split, { classNames: CIFAR10_CLASSES, channels: 3, name: 'cifar10' });
    return {
      files: inner.files,
      load: async () => {
        const ds = await inner.load();
        if (ds.shape.h !== 32 || ds.shape.w !== 32) throw new DataError(path.join(dir, split), `images are ${ds.shape.w}×${ds.shape.h}, CIFAR-10 is 32×32`);
        checkBalanced(ds.labels, 10, path.join(dir, split));
        return ds;
      },
    };
  }
  throw new DataError(dir, `no ${variant} data found: expected ${L.folder}/${L[split][0]}, ${L[split][0]}, ${L.archive}` +
    (variant === 'cifar10' ? `, or ${split}/<class>/*.jpg` : ''));
}
