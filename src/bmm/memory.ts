// Memory accounting for stored mixtures (docs/methods-cil.md §2.9): bits = K · (D · b_μ + b_π) per model,
// C · K · (D · b_μ + b_π) for C class models. These equal the serialized payload bits (header
// excluded; 4-bit payloads are padded to whole bytes when K · D is odd).

export type Precision = 'f32' | 'u8' | 'u4';

export const PRECISIONS: readonly Precision[] = ['f32', 'u8', 'u4'];

/** Bits per stored μ entry and per stored π entry. π keeps 8 bits under 4-bit μ: 16 levels are too coarse for weights. */
export function precisionBits(precision: Precision): { mu: number; pi: number } {
  switch (precision) {
    case 'f32': return { mu: 32, pi: 32 };
    case 'u8': return { mu: 8, pi: 8 };
    case 'u4': return { mu: 4, pi: 8 };
    default: throw new RangeError(`precision: expected one of ${PRECISIONS.join(', ')}, got ${String(precision)}`);
  }
}

export function bmmMemoryBits(components: number, bits: number, precision: Precision): number {
  if (!Number.isInteger(components) || components < 1) throw new RangeError(`bmmMemoryBits: components must be an integer ≥ 1, got ${components}`);
  if (!Number.isInteger(bits) || bits < 1) throw new RangeError(`bmmMemoryBits: bits must be an integer ≥ 1, got ${bits}`);
  const b = precisionBits(precision);
  return components * (bits * b.mu + b.pi);
}

/** Total for a generator holding one mixture per class: Σ_c K_c · (D · b_μ + b_π). */
export function generatorMemoryBits(models: readonly { components: number; bits: number }[], precision: Precision): number {
  let total = 0;
  for (const m of models) total += bmmMemoryBits(m.components, m.bits, precision);
  return total;
}
