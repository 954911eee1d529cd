// PNG and JPEG decoding to packed uint8 pixels with 1 or 3 channels (pure-JS decoders: pngjs,
// jpeg-js). Truncated or otherwise undecodable files are errors naming the file, never partial images.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { DataError } from './dataset.js';

export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** Detects the format from the magic bytes (not the extension) and decodes to `channels` (1 or 3). */
export function decodeImage(bytes: Uint8Array, file: string, channels: 1 | 3 = 3): DecodedImage {
  let rgba: Uint8Array, width: number, height: number, stride: number;
  try {
    if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data; stride = 4;
    } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
      // tolerantDecoding:false turns a truncated scan into an error instead of grey rows.
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 256 });
      ({ width, height } = j);
      rgba = j.data; stride = 3;
    } else {
      throw new Error('not a PNG or JPEG file (unknown magic bytes)');
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(file, `undecodable image: ${(e as Error).message}`);
  }
  if (!(width > 0 && height > 0) || rgba.length !== width * height * stride) {
    throw new DataError(file, `undecodable image: decoder returned ${rgba.length} bytes for ${width}×${height}`);
  }
  const n = width * height;
  if (channels === 3 && stride === 3) return { width, height, channels, data: rgba };
  const out = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) { out[3 * i] = rgba[4 * i]; out[3 * i + 1] = rgba[4 * i + 1]; out[3 * i + 2] = rgba[4 * i + 2]; }
  } else {
    // ITU-R BT.601 luma, the same weights PIL uses for convert('L').
    for (let i = 0; i < n; i++) {
      const p = i * stride;
      out[i] = Math.round((299 * rgba[p] + 587 * rgba[p + 1] + 114 * rgba[p + 2]) / 1000);
    }
  }
  return { width, height, channels, data: out };
}
