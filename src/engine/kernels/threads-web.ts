// Browser glue for the threaded wasm kernels: helper Web Workers running worker.ts on the shared
// memory. Platform-neutral (no Node imports). The thread that owns the kernels blocks in
// Atomics.wait while helpers work, which a browser allows only inside a Worker, and shared memory
// needs a cross-origin-isolated page (COOP: same-origin + COEP: require-corp).

import { allStartedOrNone, type SpawnedWorker, type WorkerInit, type WorkerSpawner } from './threadProtocol.js';

interface WebWorker {
  postMessage(msg: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', fn: (e: { data?: unknown; message?: string }) => void): void;
}
type WebWorkerConstructor = new (url: string | URL, opts: { type: 'module'; name?: string }) => WebWorker;

interface BrowserGlobals {
  WorkerGlobalScope?: unknown;
  Worker?: WebWorkerConstructor;
  crossOriginIsolated?: boolean;
  document?: unknown;
}

const scope = globalThis as BrowserGlobals;

/** Why threads cannot run in this browser context, or null when they can (not meaningful in Node). */
export function webThreadsUnavailableReason(): string | null {
  if (typeof scope.Worker !== 'function') return 'this context cannot start Web Workers';
  if (scope.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof scope.WorkerGlobalScope === 'undefined' || scope.document !== undefined) {
    return 'the browser main thread cannot block in Atomics.wait; run the engine inside a Web Worker';
  }
  return null;
}

/** Whether this is a browser context (as opposed to Node). */
export function isBrowser(): boolean {
  return typeof scope.WorkerGlobalScope !== 'undefined' || scope.document !== undefined;
}

/**
 * A spawner that starts module Web Workers from `workerUrl`, the URL of the kernel worker script
 * (src/engine/kernels/worker.js, or its bundle). The default resolves next to this file, which is
 * right for unbundled ES modules; a bundled app passes the URL where it serves the worker bundle.
 */
export function webWorkerSpawner(workerUrl: string | URL = new URL('./worker.js', import.meta.url)): WorkerSpawner {
  return async (inits: WorkerInit[]): Promise<SpawnedWorker[]> => {
    const reason = webThreadsUnavailableReason();
    if (reason) throw new Error(`web worker threads: ${reason}`);
    const Ctor = scope.Worker as WebWorkerConstructor;
    const started = inits.map((init) => new Promise<SpawnedWorker>((resolve, reject) => {
      let w: WebWorker;
      try {
        w = new Ctor(workerUrl, { type: 'module', name: `bitspike-kernels-${init.slot}` });
      } catch (e) {
        reject(new Error(`web worker threads: cannot start ${String(workerUrl)}: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      const handle: SpawnedWorker = { terminate: () => w.terminate() };
      let settled = false;
      w.addEventListener('error', (e) => {
        if (settled) return;
        settled = true;
        w.terminate();
        reject(new Error(`web worker threads: kernel worker ${String(workerUrl)} failed to start${e.message ? `: ${e.message}` : ''}`));
      });
      w.addEventListener('message', (e) => {
        if (settled) return;
        settled = true;
        if (e.data !== 'ready') { w.terminate(); reject(new Error(`kernel worker: unexpected first message ${String(e.data)}`)); return; }
        resolve(handle);
      });
      w.postMessage(init);
    }));
    return allStartedOrNone(started);
  };
}
