// TinyImageNet-200 (Node): train/<wnid>/images/*.JPEG, val/images/*.JPEG labelled by
// val/val_annotations.txt, class list wnids.txt, descriptions words.txt. 64×64 RGB (a few source
// JPEGs are greyscale; they are expanded to RGB). Labels index the wnids in sorted order, the
// convention of ImageFolder-based code, so results line up with other implementations.
import fs from 'node:fs';
import path from 'node:path';
import { DataError, checkDataset, type ImageDataset } from './dataset.js';
import { decodeAll, listImages } from './imageFolder.js';
import type { LoadPlan, LoadOptions } from './loader.js';

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new DataError(file, `missing: TinyImageNet needs ${what}`);
  }
}

/** `dir` is the extracted `tiny-imagenet-200` folder. Splits: train, val (test has no labels). */
export function planTinyImageNet(dir: string, split: string, opts: LoadOptions = {}): LoadPlan {
  if (split !== 'train' && split !== 'val') throw new DataError(dir, `tiny-imagenet has labelled splits train and val, not '${split}'`);
  const wnidsFile = path.join(dir, 'wnids.txt');
  const wnids = readText(wnidsFile, 'wnids.txt (one WordNet id per line)').split(/\r?\n/).map((s) => s.trim()).filter(Boolean).sort();
  if (wnids.length === 0) throw new DataError(wnidsFile, 'lists no classes');
  if (new Set(wnids).size !== wnids.length) throw new DataError(wnidsFile, 'lists a class twice');
  const wordsFile = path.join(dir, 'words.txt');
  const words = new Map<string, string>();
  for (const line of readText(wordsFile, 'words.txt (wnid<TAB>description)').split(/\r?\n/)) {
    const t = line.indexOf('\t');
    if (t > 0) words.set(line.slice(0, t), line.slice(t + 1).trim());
  }
  const undescribed = wnids.filter((w) => !words.has(w));
  if (undescribed.length) throw new DataError(wordsFile, `has no description for ${undescribed.length} class(es) of wnids.txt, e.g. ${undescribed.slice(0, 3).join(', ')}`);
  const index = new Map(wnids.map((w, k) => [w, k]));
  const files: string[] = [];
  const labels: number[] = [];
  if (split === 'train') {
    for (const w of wnids) {
      const imgDir = path.join(dir, 'train', w, 'images');
      if (!fs.existsSync(imgDir)) throw new DataError(imgDir, `missing class folder for ${w} (listed in wnids.txt)`);
      const imgs = listImages(imgDir);
      if (imgs.length === 0) throw new DataError(imgDir, `class ${w} has no images`);
      for (const f of imgs) { files.push(f); labels.push(index.get(w)!); }
    }
  } else {
    const annFile = path.join(dir, 'val', 'val_annotations.txt');
    const lines = readText(annFile, 'val/val_annotations.txt (file<TAB>wnid<TAB>box)').split(/\r?\n/).filter((l) => l.trim() !== '');
    const imgDir = path.join(dir, 'val', 'images');
    const present = new Set(listImages(imgDir).map((f) => path.basename(f)));
    const seen = new Set<string>();
    lines.forEach((line, i) => {
      const [file, wnid] = line.split('\t');
      const k = index.get(wnid);
      if (!file || k === undefined) throw new DataError(annFile, `line ${i + 1}: expected '<file>\\t<wnid from wnids.txt>\\t…', got '${line.slice(0, 80)}'`);
      if (!present.has(file)) throw new DataError(path.join(imgDir, file), `listed in val_annotations.txt line ${i + 1} but missing`);
      if (seen.has(file)) throw new DataError(annFile, `line ${i + 1}: ${file} annotated twice`);
      seen.add(file);
      files.push(path.join(imgDir, file));
      labels.push(k);
    });
    const unlabelled = [...present].filter((f) => !seen.has(f));
    if (unlabelled.length) throw new DataError(annFile, `does not label ${unlabelled.length} image(s) of val/images, e.g. ${unlabelled[0]}: annotation file does not match the images`);
  }
  return {
    files: [wnidsFile, wordsFile, ...files],
    load: () => {
      const { images, h, w, c } = decodeAll(files, { channels: 3, size: opts.size });
      const ds: ImageDataset = {
        name: 'tiny-imagenet', split, images, labels: Int32Array.from(labels), shape: { n: files.length, h, w, c },
        classNames: wnids, classDescriptions: wnids.map((x) => words.get(x)!),
      };
      checkDataset(ds, dir);
      return ds;
    },
  };
}
