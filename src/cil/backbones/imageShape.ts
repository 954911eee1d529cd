// Conv backbones need the image geometry that the learner's flat input rows ([N, h·w·c] pixels/255 in
// the dataset's NHWC order, src/cil/samples.ts) no longer carry. It is either given in the model
// config or inferred: a square image with c ∈ {1, 3} is unambiguous (h² = 3·w² has no integer
// solution), so 784 → 28×28×1 and 3,072 → 32×32×3; anything else must be stated.
import { Tensor } from '../../engine/tensor.js';

export interface ImageGeometry { height: number; width: number; channels: number }

/** The image shape for `inputDim` values per sample: the given [h, w, c], or a square 1- or 3-channel image. */
export function imageGeometry(inputDim: number, given: readonly number[] | null | undefined, where = 'model.imageShape'): ImageGeometry {
  if (given) {
    if (given.length !== 3 || !given.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`${where}: expected [height, width, channels] of positive integers, got ${JSON.stringify(given)}`);
    }
    const [height, width, channels] = given;
    if (height * width * channels !== inputDim) {
      throw new RangeError(`${where}: ${height}×${width}×${channels} = ${height * width * channels} values per image, but the data has ${inputDim}`);
    }
    return { height, width, channels };
  }
  for (const channels of [1, 3]) {
    const side = Math.round(Math.sqrt(inputDim / channels));
    if (side * side * channels === inputDim) return { height: side, width: side, channels };
  }
  throw new RangeError(`${where}: cannot infer the image shape of ${inputDim} values per sample (not a square 1- or 3-channel image); set it to [height, width, channels]`);
}

/** [N, h·w·c] NHWC rows → [N, c, h, w] (input only: no gradient flows into pixels). */
export function nhwcToNchw(x: Tensor, g: ImageGeometry): Tensor {
  const { height: H, width: W, channels: C } = g;
  const N = x.shape[0], plane = H * W;
  if (x.rank !== 2 || x.shape[1] !== plane * C) throw new RangeError(`nhwcToNchw: expected [N, ${plane * C}] rows, got [${x.shape.join(', ')}]`);
  const X = x.f32, out = new Float32Array(X.length);
  for (let n = 0; n < N; n++) {
    const o = n * plane * C;
    for (let p = 0; p < plane; p++) for (let c = 0; c < C; c++) out[o + c * plane + p] = X[o + p * C + c];
  }
  return new Tensor(out, [N, C, H, W]);
}

/** Pixels/255 floats back to the uint8 pixels they came from (exact: toInput divides by 255). */
export function toPixels(x: Tensor): Uint8Array {
  const X = x.f32, out = new Uint8Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(X[i] * 255)));
  return out;
}
