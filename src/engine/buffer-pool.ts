// Recycling of large float buffers. Every fresh multi-megabyte Float32Array costs page faults on
// first touch, and V8 answers the external-memory churn of a training step (tens of MB) with extra
// GC pauses that free the buffers again. Gradient buffers have a lifetime the tape knows exactly:
// runBackward hands an op's output gradient to that op's backward and never reads it afterwards. So
// gradients allocated here are returned to the pool there, and the next allocation of the same
// size (the next step's activations or gradients) reuses them.
//
// With the wasm backend, gradient buffers are *resident*: views into the kernels' own memory
// (Kernels.resident), which kernel calls read and write in place instead of staging them. Their
// blocks are reused only through recycleGrad, exactly like pooled JS arrays, so the rules below
// keep them safe too; a gradient that becomes a leaf's .grad is always a JS copy (leafGradCopy).
//
// Safety rules:
// - only arrays that `takeGrad` handed out can be recycled (an array from anywhere else, e.g. a
//   user's customOp, is ignored), and each is recycled at most once per hand-out;
// - callers of takeF32/takeGrad overwrite every element (contents are stale, not zero);
// - the pool is bounded, so memory stays flat.

import { getKernels } from './kernels/index.js';
import type { ResidentArrays } from './kernels/types.js';

type TensorArray = Float32Array | Int32Array;

const MIN_POOLED = 1 << 14; // elements; below this a fresh array is cheap
const MAX_POOLED_BYTES = 256 * 1024 * 1024;
const MAX_PER_SIZE = 8;

const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;
// Gradient arrays handed out and not yet recycled.
const live = new WeakSet<Float32Array>();
// The backend each resident gradient array came from.
const residentOwner = new WeakMap<Float32Array, ResidentArrays>();

function take(n: number): Float32Array {
  if (n >= MIN_POOLED) {
    const list = free.get(n);
    const a = list?.pop();
    if (a) {
      pooledBytes -= a.byteLength;
      return a;
    }
  }
  return new Float32Array(n);
}

// Open tidy() scopes, innermost last: the resident op outputs each one owns.
const scopes: Float32Array[][] = [];

/**
 * A float array of length n with unspecified contents, for an op output it fully overwrites.
 * Inside tidy() it is a resident array owned by the innermost scope, which frees it at its end
 * unless it is returned.
 */
export function takeF32(n: number): Float32Array {
  const scope = scopes.at(-1);
  if (scope && n >= MIN_POOLED) {
    const heap = getKernels().resident;
    const r = heap?.take(n);
    if (r && heap) {
      residentOwner.set(r, heap);
      scope.push(r);
      return r;
    }
  }
  return take(n);
}

/** @internal Opens a tidy() scope. */
export function openScope(): void {
  scopes.push([]);
}

/**
 * @internal Closes the innermost scope. Its arrays in `keep` move to the enclosing scope, or, for
 * the outermost one, are returned (the caller copies them out and passes them to releaseResident);
 * every other array goes back to kernel memory for reuse.
 */
export function closeScope(keep: ReadonlySet<TensorArray>): Float32Array[] {
  const own = scopes.pop();
  if (!own) throw new Error('closeScope: no open scope');
  const parent = scopes.at(-1);
  const escaped: Float32Array[] = [];
  for (const a of own) {
    if (!keep.has(a)) releaseResident(a);
    else if (parent) parent.push(a);
    else escaped.push(a);
  }
  return escaped;
}

/** @internal Gives a resident op output back to its backend (once; nothing may use it afterwards). */
export function releaseResident(a: Float32Array): void {
  residentOwner.get(a)?.release(a);
}

/**
 * A float array of length n with unspecified contents, for a gradient an op's backward returns
 * (and never keeps): runBackward may recycle it once it is consumed.
 */
export function takeGrad(n: number): Float32Array {
  if (n < MIN_POOLED) return take(n);
  const heap = getKernels().resident;
  const r = heap?.take(n);
  if (r && heap) residentOwner.set(r, heap);
  const a = r ?? take(n);
  live.add(a);
  return a;
}

/** Returns a consumed gradient from takeGrad to the pool; any other array is ignored. */
export function recycleGrad(a: Float32Array): void {
  if (!live.has(a)) return;
  live.delete(a);
  // A resident array goes back to the backend that gave it out (also after a backend switch).
  if (residentOwner.get(a)?.release(a)) return;
  if (pooledBytes + a.byteLength > MAX_POOLED_BYTES) return;
  const list = free.get(a.length) ?? [];
  if (list.length >= MAX_PER_SIZE) return;
  list.push(a);
  free.set(a.length, list);
  pooledBytes += a.byteLength;
}

// Leaf gradients. A leaf's .grad outlives the tape, so runBackward gives it its own JS array, not a
// pooled or resident one. An optimizer's zeroGrad hands that array back here (spareLeafGrad), and
// the next backward copies the leaf's new gradient into it instead of allocating a fresh one: a
// ResNet-18 w32's 11 MB of fresh gradient arrays cost 7 % of a 2-thread training step (page faults,
// zeroing, GC; docs/results/engine.md round 5). Only arrays made here come back (never a user's own
// .grad), each to its own leaf.
const leafGradArrays = new WeakSet<Float32Array>();
const spareLeafGrads = new WeakMap<object, Float32Array>();

/** @internal A leaf's own copy of gradient g: the array its last zeroGrad handed back, else a new one. */
export function leafGradCopy(leaf: object, g: Float32Array): Float32Array {
  const spare = spareLeafGrads.get(leaf);
  spareLeafGrads.delete(leaf);
  if (spare && spare.length === g.length) {
    spare.set(g);
    return spare;
  }
  const a = g.slice();
  leafGradArrays.add(a);
  return a;
}

/** @internal Hands a leaf's gradient array back for its next backward (arrays leafGradCopy made only). */
export function spareLeafGrad(leaf: object, a: Float32Array): void {
  if (leafGradArrays.has(a)) spareLeafGrads.set(leaf, a);
}

// Index arrays (max pooling's argmax): written by the forward, read once by the op's backward,
// which hands them back here, so a training loop does not fault in fresh pages for them every step
// (a small CNN's two poolings take 2 MB of indices a step at batch 64).
const freeIndex = new Map<number, Int32Array[]>();
const liveIndex = new WeakSet<Int32Array>();
let pooledIndexBytes = 0;

/** An Int32Array of length n with unspecified contents (the caller overwrites it), from the pool when one is free. */
export function takeIndex(n: number): Int32Array {
  const pooled = n >= MIN_POOLED ? freeIndex.get(n)?.pop() : undefined;
  if (pooled) pooledIndexBytes -= pooled.byteLength;
  const a = pooled ?? new Int32Array(n);
  liveIndex.add(a);
  return a;
}

/** Returns an index array from takeIndex once nothing reads it any more; any other array is ignored. */
export function recycleIndex(a: Int32Array): void {
  if (!liveIndex.has(a)) return;
  liveIndex.delete(a);
  if (a.length < MIN_POOLED || pooledIndexBytes + a.byteLength > MAX_POOLED_BYTES / 4) return;
  const list = freeIndex.get(a.length) ?? [];
  if (list.length >= MAX_PER_SIZE) return;
  list.push(a);
  freeIndex.set(a.length, list);
  pooledIndexBytes += a.byteLength;
}

/** Whether `a` views shared memory (a resident array): user code that may keep it gets a copy. */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** Drops every pooled buffer (e.g. after training, to give the memory back to the GC). */
export function clearBufferPool(): void {
  free.clear();
  pooledBytes = 0;
  freeIndex.clear();
  pooledIndexBytes = 0;
}

/** Bytes currently held by the pool. */
export function pooledBufferBytes(): number {
  return pooledBytes;
}
