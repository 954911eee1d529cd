// Pixel transforms on NHWC uint8 images. Pure (no Node imports) and deterministic: the random ones
// take the seeded Rng, so an augmentation run replays exactly from its seed.
import type { Rng } from '../engine/random.js';
import type { ImageDataset, ImageShape } from './dataset.js';

/**
 * Bilinear resize of one H×W×C image to outH×outW, half-pixel centres (OpenCV INTER_LINEAR /
 * PyTorch align_corners=false), no antialiasing; results are rounded to the nearest uint8.
 */
export function resizeBilinear(src: Uint8Array, h: number, w: number, c: number, outH: number, outW: number, out: Uint8Array = new Uint8Array(outH * outW * c)): Uint8Array {
  if (src.length !== h * w * c) throw new RangeError(`resizeBilinear: source has ${src.length} bytes, expected ${h}×${w}×${c}`);
  if (out.length !== outH * outW * c) throw new RangeError(`resizeBilinear: output has ${out.length} bytes, expected ${outH}×${outW}×${c}`);
  const sy = h / outH, sx = w / outW;
  for (let oy = 0; oy < outH; oy++) {
    let fy = (oy + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    const y0 = Math.min(Math.floor(fy), h - 1), y1 = Math.min(y0 + 1, h - 1), wy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      let fx = (ox + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      const x0 = Math.min(Math.floor(fx), w - 1), x1 = Math.min(x0 + 1, w - 1), wx = fx - x0;
      const a = (y0 * w + x0) * c, b = (y0 * w + x1) * c, d = (y1 * w + x0) * c, e = (y1 * w + x1) * c;
      const o = (oy * outW + ox) * c;
      for (let k = 0; k < c; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * wx;
        const bot = src[d + k] + (src[e + k] - src[d + k]) * wx;
        out[o + k] = Math.round(top + (bot - top) * wy);
      }
    }
  }
  return out;
}

/** Resizes every image of a dataset (e.g. CORe50 128→32); returns a new dataset. */
export function resizeDataset(ds: ImageDataset, outH: number, outW = outH): ImageDataset {
  const { n, h, w, c } = ds.shape;
  if (h === outH && w === outW) return ds;
  const inSize = h * w * c, outSize = outH * outW * c;
  const images = new Uint8Array(n * outSize);
  for (let i = 0; i < n; i++) {
    resizeBilinear(ds.images.subarray(i * inSize, (i + 1) * inSize), h, w, c, outH, outW, images.subarray(i * outSize, (i + 1) * outSize));
  }
  return { ...ds, images, shape: { n, h: outH, w: outW, c } };
}

/** Mirrors one H×W×C image left–right. */
export function hflip(src: Uint8Array, h: number, w: number, c: number, out: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * c, d = (y * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[d + k] = src[s + k];
    }
  }
  return out;
}

/**
 * Crops an H×W window from the image zero-padded by `pad` on every side, at offset (dy, dx) in
 * [0, 2·pad]² of the padded image (the standard CIFAR "pad 4, random crop 32" augmentation).
 */
export function cropPadded(src: Uint8Array, h: number, w: number, c: number, pad: number, dy: number, dx: number, out: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  for (let y = 0; y < h; y++) {
    const sy = y + dy - pad;
    for (let x = 0; x < w; x++) {
      const sx = x + dx - pad;
      const o = (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) { for (let k = 0; k < c; k++) out[o + k] = 0; continue; }
      const s = (sy * w + sx) * c;
      for (let k = 0; k < c; k++) out[o + k] = src[s + k];
    }
  }
  return out;
}

/** cropPadded at a uniformly random offset drawn from `rng`. */
export function randomCrop(src: Uint8Array, h: number, w: number, c: number, pad: number, rng: Rng, out?: Uint8Array): Uint8Array {
  const dy = rng.int(2 * pad + 1), dx = rng.int(2 * pad + 1);
  return cropPadded(src, h, w, c, pad, dy, dx, out);
}

export interface ChannelStats { mean: number[]; std: number[] }

/** Per-channel mean and (population) std of pixel/255 over the images at `indices` (default all). */
export function channelStats(images: Uint8Array, shape: ImageShape, indices?: ArrayLike<number>): ChannelStats {
  const { h, w, c } = shape;
  const size = h * w * c;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  const count = indices ? indices.length : shape.n;
  for (let j = 0; j < count; j++) {
    const base = (indices ? indices[j] : j) * size;
    for (let p = 0; p < size; p++) { const v = images[base + p] / 255; sum[p % c] += v; sq[p % c] += v * v; }
  }
  const m = count * h * w;
  const mean = Array.from(sum, (s) => s / m);
  return { mean, std: Array.from(sq, (s, k) => Math.sqrt(Math.max(0, s / m - mean[k] * mean[k]))) };
}

/**
 * (pixel/255 − mean[c]) / std[c] for the images at `indices` (default all), as a Float32Array in
 * N×C×H×W order — the layout the network layers consume.
 */
export function normalize(images: Uint8Array, shape: ImageShape, stats: ChannelStats, indices?: ArrayLike<number>): Float32Array {
  const { h, w, c } = shape;
  if (stats.mean.length !== c || stats.std.length !== c) throw new RangeError(`normalize: need ${c} means and stds, got ${stats.mean.length} and ${stats.std.length}`);
  if (stats.std.some((s) => !(s > 0))) throw new RangeError(`normalize: std must be positive, got [${stats.std.join(', ')}]`);
  const count = indices ? indices.length : shape.n;
  const hw = h * w, size = hw * c;
  const out = new Float32Array(count * size);
  const scale = stats.std.map((s) => 1 / (255 * s)), shift = stats.mean.map((m, k) => m / stats.std[k]);
  for (let j = 0; j < count; j++) {
    const src = (indices ? indices[j] : j) * size, dst = j * size;
    for (let p = 0; p < hw; p++) {
      for (let k = 0; k < c; k++) out[dst + k * hw + p] = images[src + p * c + k] * scale[k] - shift[k];
    }
  }
  return out;
}
