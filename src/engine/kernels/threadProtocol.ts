// The contract between the thread that owns the wasm kernels (wasm.ts) and its helper threads
// (worker.ts), shared by the platform glue that starts them (threads-node.ts, threads-web.ts). It
// lives apart from wasm.ts so a worker and the spawners need not load the kernel module itself.

// Control block: one 32-int slot per worker (separate cache lines).
export const CTRL_SLOT = 32;
export const CTRL_GO = 0;
export const CTRL_DONE = 1;
export const CTRL_FN = 2;
export const CTRL_STATUS = 3;
export const CTRL_NARGS = 4;
export const CTRL_ARGS = 5;
/** Function index that tells a worker to leave its loop. */
export const CTRL_EXIT = -1;

/** Everything a worker needs to join the pool (structured-cloneable). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  functions: readonly string[];
}

export interface SpawnedWorker { terminate(): void }
/** Starts one worker per init (running worker.ts) and resolves once each has instantiated the module. */
export type WorkerSpawner = (inits: WorkerInit[]) => Promise<SpawnedWorker[]>;

/** Waits for every worker start; if any fails, terminates the ones that started and rethrows. */
export async function allStartedOrNone(started: Promise<SpawnedWorker>[]): Promise<SpawnedWorker[]> {
  const results = await Promise.allSettled(started);
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) {
    for (const w of ok) w.terminate();
    throw bad.reason instanceof Error ? bad.reason : new Error(String(bad.reason));
  }
  return ok;
}
