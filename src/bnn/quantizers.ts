// Quantizers are objects passed to binary layers (Larq's design): each one is an element-wise
// forward with a pseudo-gradient (straight-through estimator) and a precision tag used by the
// summary. Bit convention (docs/methods-cil.md §1.1): +1 ↔ bit 1, −1 ↔ bit 0, and sign(0) = +1.
import { customOp, type Tensor } from '../engine/tensor.js';

export interface Quantizer {
  /** Stable name, stored in model manifests. */
  readonly name: string;
  /** Bits per quantized value (1 for sign/Heaviside, 32 for identity). */
  readonly bits: number;
  /** The forward value of one element. */
  value(x: number): number;
  /** The pseudo-gradient ∂q/∂x at x (what backward multiplies the incoming gradient by). */
  grad(x: number): number;
}

/** sign(x) with sign(0) = +1 — the single definition every binary path uses. */
export function signOf(x: number): 1 | -1 {
  return x >= 0 ? 1 : -1;
}

/** Sign with the clipped straight-through estimator: ∂/∂x = 1 for |x| ≤ clip, else 0 (§1.3). */
export function steSign(clip = 1): Quantizer {
  if (!(clip > 0)) throw new RangeError(`steSign: clip must be > 0, got ${clip}`);
  return { name: clip === 1 ? 'ste_sign' : `ste_sign(${clip})`, bits: 1, value: signOf, grad: (x) => (Math.abs(x) <= clip ? 1 : 0) };
}

/** Sign with the ApproxSign pseudo-gradient of Bi-Real Net: 2 − 2|x| inside [−1, 1]. */
export function approxSign(): Quantizer {
  return { name: 'approx_sign', bits: 1, value: signOf, grad: (x) => { const a = Math.abs(x); return a <= 1 ? 2 - 2 * a : 0; } };
}

/** Sign with the SwishSign pseudo-gradient (BNN+): derivative of 2σ(βx)(1 + βx(1 − σ(βx))) − 1. */
export function swishSign(beta = 5): Quantizer {
  if (!(beta > 0)) throw new RangeError(`swishSign: beta must be > 0, got ${beta}`);
  return {
    name: `swish_sign(${beta})`, bits: 1, value: signOf,
    grad: (x) => {
      const bx = beta * x;
      return (beta * (2 - bx * Math.tanh(bx / 2))) / (1 + Math.cosh(bx));
    },
  };
}

/** Heaviside H(x) ∈ {0, 1} (H(0) = 1, consistent with sign(0) = +1), clipped STE. */
export function steHeaviside(clip = 1): Quantizer {
  if (!(clip > 0)) throw new RangeError(`steHeaviside: clip must be > 0, got ${clip}`);
  return { name: clip === 1 ? 'ste_heaviside' : `ste_heaviside(${clip})`, bits: 1, value: (x) => (x >= 0 ? 1 : 0), grad: (x) => (Math.abs(x) <= clip ? 1 : 0) };
}

/** No quantization (a 32-bit float tag), so layers can mix binary and real operands. */
export function identityQuantizer(): Quantizer {
  return { name: 'identity', bits: 32, value: (x) => x, grad: () => 1 };
}

const BY_NAME: Record<string, () => Quantizer> = {
  ste_sign: () => steSign(), approx_sign: () => approxSign(), ste_heaviside: () => steHeaviside(), identity: () => identityQuantizer(),
};

/** Resolves a Larq-style string alias ('ste_sign', 'approx_sign', 'ste_heaviside', 'identity'). */
export function quantizer(q: Quantizer | string): Quantizer {
  if (typeof q !== 'string') return q;
  const make = BY_NAME[q];
  if (!make) throw new TypeError(`quantizer: unknown alias '${q}' (known: ${Object.keys(BY_NAME).join(', ')})`);
  return make();
}

/** Applies a quantizer to a tensor, with its pseudo-gradient in backward. */
export function quantize(x: Tensor, q: Quantizer): Tensor {
  // The default quantizer of every binary weight, inlined: it runs on every weight at every step.
  if (q.name === 'ste_sign') {
    return customOp('quantize:ste_sign', [x], x.shape, ([X]) => {
      const y = new Float32Array(X.length);
      for (let i = 0; i < y.length; i++) y[i] = X[i] >= 0 ? 1 : -1;
      return y;
    }, (gy, [X]) => {
      const g = new Float32Array(gy.length);
      for (let i = 0; i < g.length; i++) { const v = X[i]; g[i] = v <= 1 && v >= -1 ? gy[i] : 0; }
      return [g];
    });
  }
  return customOp(`quantize:${q.name}`, [x], x.shape, ([X]) => {
    const y = new Float32Array(X.length);
    for (let i = 0; i < y.length; i++) y[i] = q.value(X[i]);
    return y;
  }, (gy, [X]) => {
    const g = new Float32Array(gy.length);
    for (let i = 0; i < g.length; i++) g[i] = gy[i] * q.grad(X[i]);
    return [g];
  });
}
