// Turns a drawing or an uploaded picture into an MNIST-style 28 × 28 image: light ink on black, the
// ink's bounding box scaled to fit 20 × 20 (aspect kept) and centred by its centre of mass, as the
// MNIST images were prepared.
import { IMAGE_DIM, IMAGE_SIDE } from './protocol.js';

/** Grayscale 0…255 (ink high) of an RGBA image; inverted when the picture is dark ink on light paper. */
function inkOf(img: ImageData): Float32Array {
  const n = img.width * img.height;
  const g = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const a = img.data[4 * i + 3] / 255;
    // Transparent pixels count as background (black).
    g[i] = a * (0.299 * img.data[4 * i] + 0.587 * img.data[4 * i + 1] + 0.114 * img.data[4 * i + 2]);
    sum += g[i];
  }
  if (sum / n > 127) for (let i = 0; i < n; i++) g[i] = 255 - g[i];
  return g;
}

export function toMnist(img: ImageData): Uint8Array {
  const ink = inkOf(img);
  const { width: W, height: H } = img;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (ink[y * W + x] > 30) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  if (x1 < 0) throw new RangeError('the image is empty: draw or upload something first');
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  // Box-filter the bounding box down to tw × th.
  const small = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) {
    const sx0 = x0 + (tx * bw) / tw, sx1 = x0 + ((tx + 1) * bw) / tw, sy0 = y0 + (ty * bh) / th, sy1 = y0 + ((ty + 1) * bh) / th;
    let s = 0, c = 0;
    for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) { s += ink[y * W + x]; c++; }
    small[ty * tw + tx] = c ? s / c : 0;
  }
  let mx = 0, my = 0, m = 0;
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) { const v = small[y * tw + x]; mx += v * x; my += v * y; m += v; }
  const ox = Math.round(IMAGE_SIDE / 2 - (m ? mx / m : tw / 2)), oy = Math.round(IMAGE_SIDE / 2 - (m ? my / m : th / 2));
  const out = new Uint8Array(IMAGE_DIM);
  let peak = 0;
  for (const v of small) peak = Math.max(peak, v);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const X = x + ox, Y = y + oy;
    if (X >= 0 && X < IMAGE_SIDE && Y >= 0 && Y < IMAGE_SIDE) out[Y * IMAGE_SIDE + X] = Math.round((255 * small[y * tw + x]) / (peak || 1));
  }
  return out;
}

/** Pixels of an uploaded image file, drawn onto a canvas. */
export async function imageFileData(file: File): Promise<ImageData> {
  const bmp = await createImageBitmap(file).catch(() => { throw new Error(`${file.name}: not an image the browser can decode`); });
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const g = c.getContext('2d')!;
  g.drawImage(bmp, 0, 0);
  return g.getImageData(0, 0, bmp.width, bmp.height);
}

/** Paints a grayscale image scaled up (nearest) into a new canvas. */
export function grayCanvas(pixels: Uint8Array, width: number, height: number, scale: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width; c.height = height;
  c.style.width = `${width * scale}px`; c.style.height = `${height * scale}px`;
  c.style.imageRendering = 'pixelated';
  const g = c.getContext('2d')!;
  const img = g.createImageData(width, height);
  for (let i = 0; i < width * height; i++) { const v = pixels[i] ?? 0; img.data.set([v, v, v, 255], 4 * i); }
  g.putImageData(img, 0, 0);
  return c;
}
