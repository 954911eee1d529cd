// CORe50 (Node): core50_128x128/s<session>/o<object>/C_<ss>_<oo>_<fff>.png, 11 sessions × 50 objects
// (10 categories × 5 objects). Standard split: train sessions 1,2,4,5,6,8,9,11; test 3,7,10.
// Decoded images are resized at load time (default 32×32) because the full set at 128×128 is 8 GB.
import fs from 'node:fs';
import path from 'node:path';
import { DataError, checkDataset, type ImageDataset } from './dataset.js';
import { decodeAll, listImages } from './imageFolder.js';
import type { LoadOptions, LoadPlan } from './loader.js';

export const CORE50_TRAIN_SESSIONS: readonly number[] = [1, 2, 4, 5, 6, 8, 9, 11];
export const CORE50_TEST_SESSIONS: readonly number[] = [3, 7, 10];
export const CORE50_CATEGORIES: readonly string[] = [
  'plug_adapter', 'mobile_phone', 'scissors', 'light_bulb', 'can', 'glasses', 'ball', 'marker', 'cup', 'remote_control',
];
/** Object names in object order: o1..o5 are plug adapters 1..5, o6..o10 mobile phones 1..5, … */
export const CORE50_OBJECTS: readonly string[] = CORE50_CATEGORIES.flatMap((c) => [1, 2, 3, 4, 5].map((k) => `${c}${k}`));
export const CORE50_DEFAULT_SIZE = 32;

/** Category (0..9) of an object id (0..49). */
export const core50Category = (object: number): number => Math.floor(object / 5);

/** Sessions of a split name: 'train', 'test', 'all', or an explicit list like 's1,s3'. */
export function core50Sessions(split: string): number[] {
  if (split === 'train') return [...CORE50_TRAIN_SESSIONS];
  if (split === 'test') return [...CORE50_TEST_SESSIONS];
  if (split === 'all') return Array.from({ length: 11 }, (_, i) => i + 1);
  const m = split.split(',').map((s) => /^s(\d+)$/.exec(s.trim()));
  if (m.every((x) => x && +x[1] >= 1 && +x[1] <= 11)) return m.map((x) => +x![1]);
  throw new RangeError(`core50: split must be train, test, all or sessions like 's1,s3', got '${split}'`);
}

/** `dir` is the extracted `core50_128x128` folder. */
export function planCore50(dir: string, split: string, opts: LoadOptions = {}): LoadPlan {
  const sessions = core50Sessions(split);
  const level = opts.level ?? 'object';
  const files: string[] = [];
  const sess: number[] = [], objs: number[] = [];
  for (const s of sessions) {
    const sdir = path.join(dir, `s${s}`);
    if (!fs.existsSync(sdir)) throw new DataError(sdir, `missing session folder s${s} (CORe50 has s1..s11)`);
    for (let o = 1; o <= 50; o++) {
      const odir = path.join(sdir, `o${o}`);
      if (!fs.existsSync(odir)) throw new DataError(odir, `missing object folder o${o} (every session has o1..o50)`);
      const imgs = listImages(odir);
      if (imgs.length === 0) throw new DataError(odir, `object o${o} of session s${s} has no images`);
      const re = new RegExp(`^C_${String(s).padStart(2, '0')}_${String(o).padStart(2, '0')}_\\d{3}\\.png$`, 'i');
      for (const f of imgs) {
        if (!re.test(path.basename(f))) throw new DataError(f, `file name does not match its folder: expected C_${String(s).padStart(2, '0')}_${String(o).padStart(2, '0')}_NNN.png`);
        files.push(f); sess.push(s); objs.push(o - 1);
      }
    }
  }
  const size = opts.size ?? CORE50_DEFAULT_SIZE;
  return {
    files,
    load: () => {
      const { images, h, w, c } = decodeAll(files, { channels: 3, size });
      const objects = Int32Array.from(objs);
      const ds: ImageDataset = {
        name: 'core50', split, images, shape: { n: files.length, h, w, c },
        labels: level === 'object' ? objects.slice() : objects.map(core50Category),
        classNames: level === 'object' ? CORE50_OBJECTS : CORE50_CATEGORIES,
        sessions: Int32Array.from(sess), objects,
      };
      checkDataset(ds, dir);
      return ds;
    },
  };
}
