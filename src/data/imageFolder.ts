// Image-folder datasets (Node): `<root>/<split>/<class>/*.png|jpg|jpeg`, decoded with pure-JS
// decoders into one NHWC buffer. Also the decoding core reused by TinyImageNet and CORe50.
import fs from 'node:fs';
import path from 'node:path';
import { DataError, checkDataset, type ImageDataset } from './dataset.js';
import { decodeImage } from './image.js';
import type { LoadPlan } from './loader.js';
import { naturalCompare } from './naturalSort.js';
import { resizeBilinear } from './transforms.js';

export const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Image files of a directory (hidden files and other extensions skipped), in natural order. */
export function listImages(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new DataError(dir, `cannot list directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return names.filter((f) => !f.startsWith('.') && IMAGE_EXT.test(f)).sort(naturalCompare).map((f) => path.join(dir, f));
}

export interface DecodeSpec {
  /** Channels to produce (1 or 3). */
  channels: 1 | 3;
  /** Resize every image to size×size; when absent all images must share the first one's size. */
  size?: number;
}

/** Decodes `files` into one N×H×W×C buffer; a file of another size (when not resizing) is an error. */
export function decodeAll(files: readonly string[], spec: DecodeSpec): { images: Uint8Array; h: number; w: number; c: number } {
  const c = spec.channels;
  if (files.length === 0) return { images: new Uint8Array(0), h: spec.size ?? 0, w: spec.size ?? 0, c };
  let h = spec.size ?? 0, w = spec.size ?? 0;
  let images: Uint8Array | undefined;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(f);
    } catch (e) {
      throw new DataError(f, `cannot read image (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const img = decodeImage(bytes, f, c);
    if (!images) {
      if (!spec.size) { h = img.height; w = img.width; }
      images = new Uint8Array(files.length * h * w * c);
    }
    const dst = images.subarray(i * h * w * c, (i + 1) * h * w * c);
    if (img.height === h && img.width === w) dst.set(img.data);
    else if (spec.size) resizeBilinear(img.data, img.height, img.width, c, h, w, dst);
    else throw new DataError(f, `image is ${img.width}×${img.height}, expected ${w}×${h} like ${files[0]}`);
  }
  return { images: images!, h, w, c };
}

export interface ImageFolderOptions extends Partial<DecodeSpec> {
  /** Class names in label order; each must be a folder. Default: the folders, naturally sorted. */
  classNames?: readonly string[];
  name?: string;
}

/** Lists `<root>/<split>/<class>/*` ; a listed class without a folder or without images is an error. */
export function planImageFolder(root: string, split: string, opts: ImageFolderOptions = {}): LoadPlan {
  const dir = path.join(root, split);
  if (!fs.existsSync(dir)) throw new DataError(dir, `split folder '${split}' not found (expected ${root}/${split}/<class>/*.png|jpg)`);
  const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort(naturalCompare);
  const classNames = opts.classNames ? [...opts.classNames] : folders;
  if (classNames.length === 0) throw new DataError(dir, 'no class folders found');
  const missing = classNames.filter((c) => !folders.includes(c));
  if (missing.length) throw new DataError(dir, `missing class folder(s): ${missing.join(', ')} (expected all of: ${classNames.join(', ')})`);
  if (opts.classNames) {
    const extra = folders.filter((f) => !classNames.includes(f));
    if (extra.length) throw new DataError(dir, `unexpected class folder(s): ${extra.join(', ')} (expected exactly: ${classNames.join(', ')})`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((cls, k) => {
    const imgs = listImages(path.join(dir, cls));
    if (imgs.length === 0) throw new DataError(path.join(dir, cls), `class '${cls}' has no .png/.jpg images`);
    for (const f of imgs) { files.push(f); labels.push(k); }
  });
  return {
    files,
    load: () => {
      const { images, h, w, c } = decodeAll(files, { channels: opts.channels ?? 3, size: opts.size });
      const ds: ImageDataset = { name: opts.name ?? path.basename(root), split, images, labels: Int32Array.from(labels), shape: { n: files.length, h, w, c }, classNames };
      checkDataset(ds, dir);
      return ds;
    },
  };
}
