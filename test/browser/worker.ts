// Web Worker entry (bundled by the browser test): trains with the engine and posts the weights.
import { getKernels } from '../../src/engine/index.js';
import { trainTiny } from './tiny-training.js';

declare const self: { onmessage: ((e: { data: { seed: number } }) => void) | null; postMessage(m: unknown): void };

self.onmessage = (e) => {
  try {
    const weights = trainTiny(e.data.seed);
    self.postMessage({ backend: getKernels().name, weights: weights.map((w) => Array.from(w)) });
  } catch (err) {
    self.postMessage({ error: String(err instanceof Error ? err.stack : err) });
  }
};
