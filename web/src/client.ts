// Page-side handle on the learner worker: typed request/reply over the protocol, progress callbacks
// and cancel. On a cross-origin isolated page cancel sets a shared flag the worker polls after every
// minibatch (it rolls the learner back itself); elsewhere the worker is terminated and a fresh one is
// started from the last committed learner file, so cancel always works and never leaves half a task.
import type { Envelope, Hello, ProgressInfo, Request, Results, WorkerMessage } from './protocol.js';

export class CancelledError extends Error {
  override name = 'CancelledError';
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?(p: ProgressInfo): void;
}

export class LearnerClient {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly flag: Int32Array | null;
  /** Last committed learner file (the fallback cancel restores it in a fresh worker). */
  lastCommitted: Uint8Array | null = null;
  hello!: Hello;

  private constructor(private readonly spawn: () => Worker) {
    this.flag = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
  }

  static async start(spawn: () => Worker): Promise<LearnerClient> {
    const c = new LearnerClient(spawn);
    await c.boot();
    return c;
  }

  private async boot(): Promise<void> {
    this.worker = this.spawn();
    this.worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.receive(e.data);
    this.worker.onerror = (e) => { for (const p of this.pending.values()) p.reject(new Error(`learner worker failed: ${e.message}`)); this.pending.clear(); };
    this.hello = await this.request({ type: 'hello', cancelFlag: this.flag ? (this.flag.buffer as SharedArrayBuffer) : null, dataUrl: new URL('data/mnist/', document.baseURI).href });
  }

  get sharedCancel(): boolean { return this.flag !== null; }

  private receive(m: WorkerMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') { p.onProgress?.(m.progress); return; }
    this.pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.result);
    else p.reject(m.cancelled ? new CancelledError(m.error) : new Error(m.error));
  }

  request<K extends Request['type']>(request: Extract<Request, { type: K }>, onProgress?: (p: ProgressInfo) => void): Promise<Results[K]> {
    const id = this.nextId++;
    return new Promise<Results[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker.postMessage({ id, request } satisfies Envelope);
    });
  }

  /** Cancels the running request; the learner stays as last committed. */
  async cancel(): Promise<void> {
    if (this.flag) { Atomics.store(this.flag, 0, 1); return; }
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new CancelledError('learning cancelled'));
    this.pending.clear();
    await this.boot();
    if (this.lastCommitted) await this.request({ type: 'import', bytes: this.lastCommitted, source: 'last committed learner' });
  }
}
