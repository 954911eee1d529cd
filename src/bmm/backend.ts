// Picks the BMM kernels: 'auto' (default) uses WebAssembly SIMD when the runtime supports it and
// falls back to plain TypeScript otherwise; both give bit-identical results.
import type { BmmKernels } from './kernels.js';
import { referenceKernels } from './kernels-reference.js';
import { wasmKernels } from './kernels-wasm.js';

export type KernelChoice = 'auto' | 'wasm' | 'reference' | BmmKernels;

export function resolveKernels(choice: KernelChoice = 'auto'): BmmKernels {
  if (typeof choice === 'object' && choice !== null && typeof choice.workspace === 'function') return choice;
  if (choice === 'reference') return referenceKernels;
  if (choice === 'wasm' || choice === 'auto') {
    const w = wasmKernels();
    if (w) return w;
    if (choice === 'wasm') throw new Error('kernels: "wasm" requested but this runtime cannot compile WebAssembly SIMD128');
    return referenceKernels;
  }
  throw new TypeError(`kernels: expected 'auto', 'wasm', 'reference' or a BmmKernels object, got ${String(choice)}`);
}
