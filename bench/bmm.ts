// BMM benchmark: EM fitting throughput (samples × components × bits per second) on N × D-bit rows
// with K components, drawn like tools/bmm_ref.py (prototypes ~ U(0.05, 0.95), uniform components).
// When a numpy Python is available, bmm_ref.py runs with the same N, D, K and iteration count, and
// the lines carry numpy_ms_per_iter and ratio_vs_numpy = bitspike ms / numpy ms (< 0.5 meets the
// "≥ 2× faster" goal). bitspike's EM is single-threaded; numpy runs with ctx.threads BLAS threads and,
// when that is more than one, also with one. bitspike and numpy runs are interleaved and the medians
// reported, so background load affects both alike.
import { Rng } from '../src/engine/random.js';
import { packedWords } from '../src/engine/kernels/types.js';
import { fitBmm } from '../src/bmm/em.js';
import type { PackedRows } from '../src/engine/bits.js';
import { type KernelChoice, resolveKernels } from '../src/bmm/backend.js';
import { type BenchContext, emit, measure, round } from './harness.js';
import { runPythonJsonLines } from './python.js';

function syntheticRows(N: number, D: number, K: number, seed: number): PackedRows {
  const rng = new Rng(seed);
  const protos = Array.from({ length: K }, () => Float64Array.from({ length: D }, () => rng.uniform(0.05, 0.95)));
  const words = packedWords(D);
  const data = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) {
    const p = protos[rng.int(K)];
    for (let d = 0; d < D; d++) if (rng.float() < p[d]) data[i * words + (d >>> 5)] |= 1 << (d & 31);
  }
  return { data, rows: N, bits: D };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median ms per EM iteration of a fixed-length fit (one restart, convergence test off, setup included). */
async function timeFit(x: PackedRows, K: number, iters: number, kernels: KernelChoice, quick: boolean): Promise<{ ms: number; runs: number; ll: number }> {
  let ll = 0;
  const r = await measure(() => {
    ll = fitBmm(x, { components: K, restarts: 1, maxIterations: iters, tolerance: -1, seed: 1, kernels }).logLikelihood;
  }, { warmup: 1, minRuns: quick ? 3 : 5, minMs: quick ? 200 : 1000, maxRuns: 50 });
  return { ms: r.median_ms / iters, runs: r.runs, ll };
}

function numpyMsPerIter(python: string, N: number, D: number, K: number, iters: number, threads: number): number | undefined {
  const n = String(threads);
  const lines = runPythonJsonLines(python, 'bmm_ref.py', [N, D, K, iters].map(String),
    { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n });
  const ms = lines[0]?.ms_per_iter;
  return typeof ms === 'number' ? ms : undefined;
}

export async function runBmmBench(ctx: BenchContext): Promise<void> {
  const configs = ctx.quick ? [{ N: 5000, D: 512, K: 3 }] : [{ N: 5000, D: 512, K: 3 }, { N: 5000, D: 512, K: 10 }, { N: 500, D: 1024, K: 3 }];
  const iters = ctx.quick ? 20 : 50;
  const rounds = ctx.quick ? 1 : 3;
  const backend = resolveKernels('auto').name;
  for (const { N, D, K } of configs) {
    const x = syntheticRows(N, D, K, 1);
    const ours: number[] = [], numpy: number[] = [], numpy1: number[] = [];
    let runs = 0, ll = 0;
    for (let r = 0; r < rounds; r++) {
      const t = await timeFit(x, K, iters, 'auto', ctx.quick);
      ours.push(t.ms); runs += t.runs; ll = t.ll;
      if (ctx.numpyPython) {
        const a = numpyMsPerIter(ctx.numpyPython, N, D, K, iters, ctx.threads);
        if (a !== undefined) numpy.push(a);
        if (ctx.threads > 1) {
          const b = numpyMsPerIter(ctx.numpyPython, N, D, K, iters, 1);
          if (b !== undefined) numpy1.push(b);
        }
      }
    }
    const ms = median(ours);
    const line: Parameters<typeof emit>[0] = {
      name: `bmm em N=${N} D=${D} K=${K}`, median_ms: round(ms, 4), runs, backend, threads: 1, iterations: iters,
      sample_component_bits_per_s: Math.round((N * K * D) / (ms / 1000)), final_mean_loglik: round(ll, 4),
    };
    if (numpy.length > 0) {
      const np = median(numpy);
      Object.assign(line, { numpy_ms_per_iter: round(np, 4), numpy_threads: ctx.threads, ratio_vs_numpy: round(ms / np, 3) });
    }
    if (numpy1.length > 0) {
      const np1 = median(numpy1);
      Object.assign(line, { numpy_1thread_ms_per_iter: round(np1, 4), ratio_vs_numpy_1thread: round(ms / np1, 3) });
    }
    emit(line);
  }
  // The plain-TypeScript twin, for scale (fewer iterations: it is ~15× slower).
  {
    const N = 5000, D = 512, K = 3, it = ctx.quick ? 3 : 10;
    const x = syntheticRows(N, D, K, 1);
    const t = await timeFit(x, K, it, 'reference', true);
    emit({ name: `bmm em N=${N} D=${D} K=${K}`, median_ms: round(t.ms, 4), runs: t.runs, backend: 'reference', threads: 1, iterations: it,
      sample_component_bits_per_s: Math.round((N * K * D) / (t.ms / 1000)) });
  }
  // A GBM-sized job: one class of 500 embeddings, default options (≤ 100 iterations, 3 restarts).
  {
    const N = 500, D = 512, K = 3;
    const x = syntheticRows(N, D, K, 2);
    let iterations = 0;
    const r = await measure(() => { iterations = fitBmm(x, { components: K, seed: 1 }).iterations; },
      { warmup: 1, minRuns: 3, minMs: ctx.quick ? 200 : 1000 });
    emit({ name: `bmm fit per class N=${N} D=${D} K=${K} (defaults, 3 restarts)`, ...r, backend, iterations_best_restart: iterations });
  }
}
