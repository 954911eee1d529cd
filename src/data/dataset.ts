// The in-memory dataset type shared by every loader, transform and scenario. Pure: no Node imports.
//
// Layout: `images` is N×H×W×C uint8, row-major, channels last (NHWC). Every decoder produces pixels in
// that order, so loaders never transpose; transforms that feed a network convert to NCHW floats.

export interface ImageShape {
  /** Number of images. */
  readonly n: number;
  readonly h: number;
  readonly w: number;
  /** Channels: 1 (grey) or 3 (RGB). */
  readonly c: number;
}

export interface ImageDataset {
  /** Registry name, e.g. 'mnist', 'cifar100'. */
  readonly name: string;
  /** Split name, e.g. 'train', 'test', 'val'. */
  readonly split: string;
  /** N×H×W×C uint8 pixels (NHWC). */
  readonly images: Uint8Array;
  /** One class index per image, in [0, classNames.length). */
  readonly labels: Int32Array;
  readonly shape: ImageShape;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  /** Human-readable descriptions in label order when names are ids (TinyImageNet wnids → words.txt). */
  readonly classDescriptions?: readonly string[];
  /** CIFAR-100 superclass per image, in [0, coarseClassNames.length). */
  readonly coarseLabels?: Int32Array;
  readonly coarseClassNames?: readonly string[];
  /** CORe50 acquisition session (1..11) per image. */
  readonly sessions?: Int32Array;
  /** CORe50 object id (0..49) per image, whatever level `labels` is at. */
  readonly objects?: Int32Array;
}

/** Every optional per-image int32 field; the cache and `subset` iterate this list. */
export const PER_IMAGE_FIELDS = ['coarseLabels', 'sessions', 'objects'] as const;
export type PerImageField = (typeof PER_IMAGE_FIELDS)[number];

/** A data-layer failure that names the offending file and what was expected there. */
export class DataError extends Error {
  override name = 'DataError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export function imageSize(shape: ImageShape): number {
  return shape.h * shape.w * shape.c;
}

/**
 * Checks the internal consistency a loader promises (sizes, label ranges). Loaders call it before
 * returning and the cache calls it after reading, so no half-built dataset escapes.
 */
export function checkDataset(ds: ImageDataset, source = ds.name): void {
  const { n, h, w, c } = ds.shape;
  for (const [k, v] of Object.entries({ n, h, w, c })) {
    if (!Number.isInteger(v) || v < 0) throw new DataError(source, `shape.${k} must be a non-negative integer, got ${v}`);
  }
  if (c !== 1 && c !== 3) throw new DataError(source, `expected 1 or 3 channels, got ${c}`);
  if (ds.images.length !== n * h * w * c) {
    throw new DataError(source, `images hold ${ds.images.length} bytes, expected n·h·w·c = ${n}·${h}·${w}·${c} = ${n * h * w * c}`);
  }
  checkLabels(ds.labels, n, ds.classNames.length, source, 'labels');
  if (ds.classDescriptions && ds.classDescriptions.length !== ds.classNames.length) {
    throw new DataError(source, `${ds.classDescriptions.length} class descriptions for ${ds.classNames.length} classes`);
  }
  if (ds.coarseLabels) checkLabels(ds.coarseLabels, n, ds.coarseClassNames?.length ?? 0, source, 'coarseLabels');
  for (const f of ['sessions', 'objects'] as const) {
    const a = ds[f];
    if (a && a.length !== n) throw new DataError(source, `${f} has ${a.length} entries, expected ${n}`);
  }
}

function checkLabels(labels: Int32Array, n: number, k: number, source: string, what: string): void {
  if (labels.length !== n) throw new DataError(source, `${what} has ${labels.length} entries, expected one per image (${n})`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y < 0 || y >= k) throw new DataError(source, `${what}[${i}] = ${y} is outside [0, ${k})`);
  }
}

/** Count of images per class (length = number of classes). */
export function labelHistogram(labels: Int32Array, numClasses: number): Int32Array {
  const h = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) h[labels[i]]++;
  return h;
}

/** A copy of the images at `indices` (a materialized subset; scenario views avoid this). */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, split = ds.split): ImageDataset {
  const size = imageSize(ds.shape);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  const pick = (a: Int32Array | undefined): Int32Array | undefined => {
    if (!a) return undefined;
    const out = new Int32Array(indices.length);
    for (let j = 0; j < indices.length; j++) out[j] = a[indices[j]];
    return out;
  };
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= ds.shape.n) throw new RangeError(`subset: index ${i} outside [0, ${ds.shape.n})`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), j * size);
    labels[j] = ds.labels[i];
  }
  return {
    ...ds, split, images, labels, shape: { ...ds.shape, n: indices.length },
    coarseLabels: pick(ds.coarseLabels), sessions: pick(ds.sessions), objects: pick(ds.objects),
  };
}
