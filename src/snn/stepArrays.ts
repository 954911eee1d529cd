// Where the fast path gets its arrays. A CIFAR-10 minibatch of the 6-conv network needs about 100 MB
// of counts, gates and error counts; fresh typed arrays of that size cost more than the loops that
// fill them (the pages are zeroed and faulted in again every step), so a training loop hands the
// fast path one StepArrays that it keeps: each role gets the same array back every step.
//
// Every array a StepArrays hands out may hold the previous step's values: the fast path writes every
// element of what it takes. What a fast-path call returns views these arrays, so it is valid until
// the next call given the same StepArrays.

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

/** One array per role, grown when a call needs more and otherwise reused (a shorter call gets a prefix view). */
export class ReusedStepArrays implements StepArrays {
  private readonly arrays = new Map<string, Float32Array | Int32Array | Uint8Array>();

  f32(role: string, length: number): Float32Array { return this.take(`f32 ${role}`, length, Float32Array); }
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
