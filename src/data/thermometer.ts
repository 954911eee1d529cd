// Thermometer encoding: each uint8 pixel becomes L binary planes, the input format of fully binary
// networks (FBNN). Pure.
//
// Plane k (k = 0..L−1) of channel ch is 1 where pixel > threshold[k], threshold[k] = floor(256·(k+1)/(L+1)),
// so the number of ones grows monotonically with intensity (0 → no planes set, 255 → all L set).
// Output: Uint8Array of 0/1, N × (C·L) × H × W, planes ordered channel-major (index ch·L + k).

export function thermometerThresholds(levels: number): Uint8Array {
  if (!Number.isInteger(levels) || levels < 1 || levels > 255) throw new RangeError(`thermometer: levels must be an integer in [1, 255], got ${levels}`);
  const t = new Uint8Array(levels);
  for (let k = 0; k < levels; k++) t[k] = Math.floor((256 * (k + 1)) / (levels + 1));
  return t;
}

export function thermometerEncode(
  images: Uint8Array, shape: { n: number; h: number; w: number; c: number }, levels: number, indices?: ArrayLike<number>,
): Uint8Array {
  const t = thermometerThresholds(levels);
  const { h, w, c } = shape;
  const hw = h * w, size = hw * c;
  const count = indices ? indices.length : shape.n;
  const out = new Uint8Array(count * size * levels);
  for (let j = 0; j < count; j++) {
    const src = (indices ? indices[j] : j) * size, dst = j * size * levels;
    for (let p = 0; p < hw; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = images[src + p * c + ch];
        const base = dst + ch * levels * hw + p;
        for (let k = 0; k < levels && v > t[k]; k++) out[base + k * hw] = 1;
      }
    }
  }
  return out;
}
