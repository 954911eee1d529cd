// Data-layer benchmark: CIFAR-10 from the JPEG folder in ../shared/data/cifar10 (or $BITSPIKE_DATA),
// cold (decode every JPEG, cache disabled) vs cached (validated binary cache in a temp dir).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, measure, round, type BenchContext } from './harness.js';
import { loadDatasetWithStatus } from '../src/data/registry.js';

function dataDir(): string | undefined {
  if (process.env.BITSPIKE_DATA) return process.env.BITSPIKE_DATA;
  // build/bench/data.js → repo root → ../shared/data
  const guess = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');
  return fs.existsSync(path.join(guess, 'cifar10')) ? guess : undefined;
}

export async function runDataBench(ctx: BenchContext): Promise<void> {
  const dir = dataDir();
  if (!dir) { console.error('bench data: no CIFAR-10 found (set BITSPIKE_DATA); skipped'); return; }
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-bench-cache-'));
  try {
    // Quick mode times the test split only (10k images); the full run times both splits (60k).
    const splits = ctx.quick ? ['test'] : ['train', 'test'];
    for (const split of splits) {
      let n = 0;
      const cold = await measure(async () => {
        n = (await loadDatasetWithStatus('cifar10', split, { dataDir: dir, cacheDir: false })).dataset.shape.n;
      }, { warmup: 0, minRuns: 1, maxRuns: ctx.quick ? 1 : 2, minMs: 0 });
      await loadDatasetWithStatus('cifar10', split, { dataDir: dir, cacheDir }); // fills the cache
      const cached = await measure(async () => {
        const r = await loadDatasetWithStatus('cifar10', split, { dataDir: dir, cacheDir });
        if (r.status !== 'hit') throw new Error(`bench data: expected a cache hit, got ${r.status}`);
      }, { warmup: 1, minRuns: ctx.quick ? 3 : 5, minMs: 0 });
      emit({ name: `data/cifar10-${split}/cold-jpeg`, ...cold, images: n, images_per_s: round((n / cold.median_ms) * 1000, 0) });
      emit({ name: `data/cifar10-${split}/cached`, ...cached, images: n, speedup: round(cold.median_ms / cached.median_ms, 1) });
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}
