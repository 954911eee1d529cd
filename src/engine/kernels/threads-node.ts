// Node glue for the threaded wasm kernels: spawns worker_threads running worker.ts. Loaded only
// through a dynamic import so the kernel core has no Node-only static imports.

import { allStartedOrNone, type SpawnedWorker, type WorkerInit } from './threadProtocol.js';

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
  return allStartedOrNone(started);
}
