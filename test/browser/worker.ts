// Web Worker entry (bundled by the browser test): trains with the engine on the requested number of
// threads (helper Web Workers from `kernelWorkerUrl`) and posts the weights.
import { getKernels, setThreads } from '../../src/engine/index.js';
import { trainSplit, trainTiny } from './tiny-training.js';

interface Job { seed: number; run: 'tiny' | 'split'; threads: number; kernelWorkerUrl?: string }
declare const self: { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void; crossOriginIsolated?: boolean };

self.onmessage = async (e) => {
  const job = e.data;
  try {
    // Bundled code cannot find the kernel worker by itself: pass where the page serves it.
    await setThreads(job.threads, { workerUrl: job.kernelWorkerUrl });
    const k = getKernels() as ReturnType<typeof getKernels> & { threads?: number };
    const weights = job.run === 'tiny' ? trainTiny(job.seed) : trainSplit(job.seed);
    self.postMessage({ backend: k.name, threads: k.threads ?? 1, isolated: self.crossOriginIsolated === true, weights: weights.map((w) => Array.from(w)) });
    await setThreads(1);
  } catch (err) {
    self.postMessage({ error: String(err instanceof Error ? err.stack : err) });
  }
};
