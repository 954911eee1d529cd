// The values an imported graph computes with: float tensors (activations, weights) and integer
// tensors (shapes, indices, axes). Integers are held in a Float64Array, exact for |v| < 2^53, which
// covers every int64 a shape computation produces.

export type ValueType = 'float' | 'int';

export interface Value {
  readonly type: ValueType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

export const sizeOfShape = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

export function floatValue(shape: readonly number[], data: Float32Array): Value {
  return { type: 'float', shape: [...shape], data };
}

export function intValue(shape: readonly number[], data: ArrayLike<number>): Value {
  return { type: 'int', shape: [...shape], data: Float64Array.from(data) };
}

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
