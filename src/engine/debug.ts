// Opt-in numeric checks. With `nanCheck` on, every op verifies its output (and every backward its
// gradients) and throws a NonFiniteError naming the op — the first producer, not a later victim.

export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

const config = { nanCheck: false };

export function setDebug(opts: { nanCheck?: boolean }): void {
  if (opts.nanCheck !== undefined) config.nanCheck = opts.nanCheck;
}

export function nanCheckEnabled(): boolean {
  return config.nanCheck;
}

export function checkFinite(op: string, what: string, data: Float32Array | Int32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      throw new NonFiniteError(`${op}: ${what} has a non-finite value (${v}) at flat index ${i} of ${data.length}`);
    }
  }
}
