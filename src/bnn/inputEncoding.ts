// Thermometer input encoding for fully binary networks: each uint8 pixel channel becomes `levels`
// bit planes (plane k is +1 where pixel > threshold[k]), so the first layer is binary × binary and
// the network has no real-valued input layer (docs/methods-cil.md §3.3). Planes are ordered channel-major
// (index ch·levels + k), as src/data/thermometer.ts produces them.
import { Tensor } from '../engine/tensor.js';
import { thermometerEncode, thermometerThresholds } from '../data/thermometer.js';

export interface InputSpec {
  height: number;
  width: number;
  /** Image channels (1 grey, 3 RGB). */
  channels: number;
  /** Thermometer levels per channel. */
  levels: number;
}

export function checkInputSpec(s: InputSpec): void {
  for (const k of ['height', 'width', 'channels', 'levels'] as const) {
    if (!Number.isInteger(s?.[k]) || s[k] < 1) throw new RangeError(`input.${k} must be a positive integer, got ${s?.[k]}`);
  }
  if (s.levels > 255) throw new RangeError(`input.levels must be ≤ 255, got ${s.levels}`);
}

/** Channels seen by the first binary layer: channels × levels. */
export function encodedChannels(s: InputSpec): number {
  return s.channels * s.levels;
}

export function inputThresholds(s: InputSpec): Uint8Array {
  return thermometerThresholds(s.levels);
}

/** Number of uint8 values of one NHWC image. */
export function imageBytes(s: InputSpec): number {
  return s.height * s.width * s.channels;
}

/** NHWC uint8 images (n of them, or those at `indices`) → ±1 float planes [n, C·L, H, W]. */
export function encodeImages(s: InputSpec, images: Uint8Array, n: number, indices?: ArrayLike<number>): Tensor {
  const count = indices ? indices.length : n;
  if (images.length < n * imageBytes(s)) throw new RangeError(`encodeImages: ${images.length} bytes hold fewer than ${n} images of ${s.height}×${s.width}×${s.channels}`);
  const bits = thermometerEncode(images, { n, h: s.height, w: s.width, c: s.channels }, s.levels, indices);
  const x = new Float32Array(bits.length);
  for (let i = 0; i < x.length; i++) x[i] = bits[i] ? 1 : -1;
  return new Tensor(x, [count, encodedChannels(s), s.height, s.width]);
}
