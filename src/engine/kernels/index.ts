// The active kernel backend. Platform-neutral: no environment variables, no Node imports; callers
// (CLI, tests) pick threads explicitly with setThreads.

import { referenceKernels } from './reference.js';
import type { Kernels } from './types.js';
import { isBrowser, webWorkerSpawner } from './threads-web.js';
import { createThreadedWasmKernels, createWasmKernels } from './wasm.js';

export type { ConvGeometry, Kernels, PoolGeometry } from './types.js';
export { packedWords } from './types.js';
export { referenceKernels } from './reference.js';
export { createThreadedWasmKernels, createWasmKernels, wasmKernelsSupported } from './wasm.js';
export type { WorkerSpawner } from './threadProtocol.js';
export { webThreadsUnavailableReason, webWorkerSpawner } from './threads-web.js';

let active: Kernels | undefined;
// A threaded backend this module created; it is disposed when replaced.
let owned: { dispose(): void } | undefined;

function install(k: Kernels, own?: { dispose(): void }): void {
  const prev = owned;
  active = k;
  owned = own;
  prev?.dispose();
}

function singleThread(): Kernels {
  try {
    return createWasmKernels();
  } catch {
    // No WebAssembly, SIMD128, or shared memory (e.g. a page without cross-origin isolation).
    return referenceKernels;
  }
}

/** The active backend: single-thread wasm by default, reference where wasm SIMD/threads are unavailable. */
export function getKernels(): Kernels {
  active ??= singleThread();
  return active;
}

// Below this many elements an element-wise kernel call costs more than a JavaScript loop.
const SMALL_ELEMENTWISE = 4096;

/**
 * The backend for an element-wise op over n elements: the active one, or the reference twin (a
 * plain loop, the same bits) when n is small enough that a kernel call would cost more than the work.
 */
export function elementwiseKernels(n: number): Kernels {
  return n >= SMALL_ELEMENTWISE ? getKernels() : referenceKernels;
}

/** Installs a caller-owned backend (the caller disposes it). */
export function setKernels(k: Kernels): void {
  install(k);
}

export function useReferenceKernels(): void {
  install(referenceKernels);
}

export interface ThreadOptions {
  /**
   * Browser only: URL of the kernel worker script (src/engine/kernels/worker.js, or the bundle an
   * app builds from it). Default: worker.js next to the engine's kernels module, which is right
   * for unbundled ES modules; bundled apps must pass where they serve it.
   */
  workerUrl?: string | URL;
}

/**
 * Installs wasm kernels running on `n` threads (the caller plus n − 1 workers); n = 1 is the
 * single-thread wasm backend. Node uses worker_threads; a browser uses module Web Workers and needs
 * the engine to run inside a Worker of a cross-origin-isolated page. Throws, saying why, for n > 1
 * where wasm threads are unavailable.
 */
export async function setThreads(n: number, opts: ThreadOptions = {}): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads: n must be an integer ≥ 1, got ${n}`);
  if (n === 1) {
    install(singleThread());
    return;
  }
  let k: Kernels & { dispose(): void };
  try {
    const spawner = isBrowser() ? webWorkerSpawner(opts.workerUrl) : undefined;
    k = await createThreadedWasmKernels(n, spawner);
  } catch (e) {
    throw new Error(`setThreads(${n}): wasm kernels cannot run on threads here: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  install(k, k);
}
