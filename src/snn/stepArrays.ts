// Where the fast path gets its arrays. A CIFAR-10 minibatch of the 6-conv network needs about 100 MB
// of counts, gates and error counts; fresh typed arrays of that size cost more than the loops that
// fill them (the pages are zeroed and faulted in again every step), so a training loop hands the
// fast path one StepArrays that it keeps: each role gets the same array back every step.
//
// Every array a StepArrays hands out may hold the previous step's values: the fast path writes every
// element of what it takes. What a fast-path call returns views these arrays, so it is valid until
// the next call given the same StepArrays (or until it is released).
//
// Where the kernels have resident memory (the wasm backend), the float arrays are blocks of it: the
// kernels then read and write them in place instead of copying every operand in and every result
// out, which took about a sixth of a CIFAR-10 training step. The values are the same either way.

import { getKernels } from '../engine/kernels/index.js';
import type { ResidentArrays } from '../engine/kernels/types.js';

export interface StepArrays {
  f32(role: string, length: number): Float32Array;
  i32(role: string, length: number): Int32Array;
  u8(role: string, length: number): Uint8Array;
}

/** Fresh, zeroed arrays on every call: results that outlive the next call (the default). */
export const FRESH_ARRAYS: StepArrays = Object.freeze({
  f32: (_role: string, length: number) => new Float32Array(length),
  i32: (_role: string, length: number) => new Int32Array(length),
  u8: (_role: string, length: number) => new Uint8Array(length),
});

type Ctor<A> = new (length: number) => A;

// Below this many floats an array is cheap to copy, and a resident block would only fragment.
const MIN_RESIDENT = 4096;

interface ResidentBlock { readonly array: Float32Array; readonly heap: ResidentArrays }

function releaseBlocks(blocks: Map<string, ResidentBlock>): void {
  for (const b of blocks.values()) b.heap.release(b.array);
  blocks.clear();
}

// A ReusedStepArrays that is dropped without release() gives its blocks back when it is collected.
const dropped = new FinalizationRegistry<Map<string, ResidentBlock>>(releaseBlocks);

/**
 * One array per role, grown when a call needs more and otherwise reused (a shorter call gets a prefix
 * view). A float role's array is resident when the current kernels have resident memory: exactly the
 * length of the longest call so far (a kernel recognises a resident array only as the object it
 * handed out), while a shorter call (a last partial batch) gets a prefix of an ordinary array.
 */
export class ReusedStepArrays implements StepArrays {
  private readonly arrays = new Map<string, Float32Array | Int32Array | Uint8Array>();
  private readonly resident = new Map<string, ResidentBlock>();

  constructor() {
    dropped.register(this, this.resident, this);
  }

  f32(role: string, length: number): Float32Array {
    const heap = length >= MIN_RESIDENT ? getKernels().resident : undefined;
    if (heap) {
      const held = this.resident.get(role);
      if (held && held.heap === heap && held.array.length === length) return held.array;
      if (!held || held.heap !== heap || held.array.length < length) {
        if (held) held.heap.release(held.array);
        this.resident.delete(role);
        const array = heap.take(length);
        if (array) {
          this.resident.set(role, { array, heap });
          return array;
        }
      }
    }
    return this.take(`f32 ${role}`, length, Float32Array);
  }

  /** Gives the resident arrays back to the kernels now; the object stays usable (later calls take new ones). */
  release(): void {
    releaseBlocks(this.resident);
  }

  i32(role: string, length: number): Int32Array { return this.take(`i32 ${role}`, length, Int32Array); }
  u8(role: string, length: number): Uint8Array { return this.take(`u8 ${role}`, length, Uint8Array); }

  private take<A extends Float32Array | Int32Array | Uint8Array>(key: string, length: number, ctor: Ctor<A>): A {
    let a = this.arrays.get(key) as A | undefined;
    if (!a || a.length < length) {
      a = new ctor(length);
      this.arrays.set(key, a);
    }
    return (a.length === length ? a : a.subarray(0, length)) as A;
  }
}
