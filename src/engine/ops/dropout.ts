import type { Rng } from '../random.js';
import { record, Tensor } from '../tensor.js';

/** Inverted dropout: zeroes each element with probability p and scales survivors by 1/(1−p). */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const X = x.f32, mask = new Float32Array(X.length), y = new Float32Array(X.length);
  const keep = 1 / (1 - p);
  for (let i = 0; i < X.length; i++) { mask[i] = rng.float() < p ? 0 : keep; y[i] = X[i] * mask[i]; }
  return record('dropout', new Tensor(y, x.shape), [x], (gy) => [gy.map((g, i) => g * mask[i])]);
}
