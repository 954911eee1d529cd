// Event-driven evaluation spread over worker threads (Node): the examples are cut into chunks that
// idle workers take in turn, each worker simulating its chunk with its own copy of the network, and
// the parts are merged in example order — so the result is the same for any number of workers.
import { Worker } from 'node:worker_threads';
import { eventEvaluate, mergeEventEval, type EventEvalResult } from '../snn/eventEval.js';
import type { SpikeGradNetwork } from '../snn/network.js';

export interface EventEvalWorkerData { readonly state: ReturnType<SpikeGradNetwork['state']>; readonly inputTicks: number }
export type EventEvalRequest = { type: 'chunk'; id: number; x: Float32Array; n: number } | { type: 'stop' };
export type EventEvalReply = { type: 'result'; id: number; result: EventEvalResult } | { type: 'error'; message: string; stack: string };

export interface PoolOptions {
  /** Worker threads; 0 runs in the calling thread (no workers). */
  readonly workers: number;
  readonly inputTicks: number;
  /** Examples per chunk handed to a worker. Default 25. */
  readonly chunk?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Event-driven evaluation of examples [0, n) of x (N × inputSize), threaded; see src/snn/eventEval.ts. */
export async function eventEvaluateThreaded(net: SpikeGradNetwork, x: Float32Array, n: number, o: PoolOptions): Promise<EventEvalResult> {
  if (!Number.isInteger(o.workers) || o.workers < 0) throw new RangeError(`event evaluation: workers must be an integer ≥ 0, got ${o.workers}`);
  const size = net.inputSize, chunk = o.chunk ?? 25;
  const ranges: [number, number][] = [];
  for (let s = 0; s < n; s += chunk) ranges.push([s, Math.min(n, s + chunk)]);
  const parts: EventEvalResult[] = new Array(ranges.length);
  let done = 0;
  if (o.workers === 0) {
    ranges.forEach(([a, b], i) => {
      parts[i] = eventEvaluate(net, x.slice(a * size, b * size), b - a, { inputTicks: o.inputTicks });
      done += b - a;
      o.onProgress?.(done, n);
    });
    return mergeEventEval(net, parts);
  }
  const data: EventEvalWorkerData = { state: net.state(), inputTicks: o.inputTicks };
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: Math.min(o.workers, ranges.length) }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(new URL('./eventEvalWorker.js', import.meta.url), { workerData: data, execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
      workers.push(w);
      const give = () => {
        if (next >= ranges.length) { w.postMessage({ type: 'stop' } satisfies EventEvalRequest); resolve(); return; }
        const id = next++, [a, b] = ranges[id];
        const xs = x.slice(a * size, b * size);
        w.postMessage({ type: 'chunk', id, x: xs, n: b - a } satisfies EventEvalRequest, [xs.buffer]);
      };
      w.on('message', (m: EventEvalReply) => {
        if (m.type === 'error') { const e = new Error(m.message); e.stack = m.stack; reject(e); return; }
        parts[m.id] = m.result;
        done += m.result.examples;
        o.onProgress?.(done, n);
        give();
      });
      w.on('error', reject);
      w.on('exit', (code) => { if (next < ranges.length || parts.some((p) => p === undefined)) reject(new Error(`event evaluation: a worker exited with code ${code} before finishing`)); });
      give();
    })));
  } finally {
    // On a failure the other workers are stopped; after success they have already been told to stop.
    for (const w of workers) void w.terminate();
  }
  return mergeEventEval(net, parts);
}
