// Node glue for the threaded wasm kernels: spawns worker_threads running worker.ts. Loaded only
// through a dynamic import so the kernel core has no Node-only static imports.

import type { SpawnedWorker, WorkerInit } from './wasm.js';

export async function spawnNodeWorkers(inits: WorkerInit[]): Promise<SpawnedWorker[]> {
  const { Worker } = await import('node:worker_threads');
  const url = new URL('./worker.js', import.meta.url);
  const started = inits.map((init) => new Promise<SpawnedWorker>((resolve, reject) => {
    // Inherit the parent's flags except --input-type, which makes Node refuse the worker's file entry.
    const w = new Worker(url, { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
    const handle: SpawnedWorker = { terminate: () => { void w.terminate(); } };
    w.once('error', reject);
    w.once('message', (m: unknown) => {
      if (m !== 'ready') { reject(new Error(`kernel worker: unexpected first message ${String(m)}`)); return; }
      // Referenced until ready so an awaiting caller keeps the process alive; after that a forgotten
      // dispose() must not hang the process.
      w.unref();
      resolve(handle);
    });
    w.postMessage(init);
  }));
  const results = await Promise.allSettled(started);
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) {
    for (const w of ok) w.terminate();
    throw bad.reason instanceof Error ? bad.reason : new Error(String(bad.reason));
  }
  return ok;
}
