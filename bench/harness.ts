// Shared benchmark plumbing: every suite times with `measure` and prints one JSON object per line
// via `emit`, so `npm run bench` output can be piped straight into jq or a results table.

export interface BenchLine {
  name: string;
  median_ms: number;
  runs: number;
  [key: string]: unknown;
}

export interface MeasureOptions { warmup?: number; minRuns?: number; minMs?: number; maxRuns?: number }

/** Times `fn` repeatedly; returns the median and spread in milliseconds. */
export async function measure(fn: () => unknown | Promise<unknown>, opts: MeasureOptions = {}): Promise<{ median_ms: number; min_ms: number; max_ms: number; runs: number }> {
  const { warmup = 2, minRuns = 5, minMs = 500, maxRuns = 200 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - t0 < minMs)) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { median_ms: round(median), min_ms: round(times[0]), max_ms: round(times[times.length - 1]), runs: times.length };
}

/**
 * Times `a` and `b` call by call in alternation (after `warmup` calls of each), so both see the
 * same machine state; returns each side's median and the median of the per-pair ratios a / b,
 * which is what a noisy machine can still measure (e.g. 1-thread / 2-thread scaling).
 */
export async function measurePaired(a: () => unknown, b: () => unknown, opts: { warmup?: number; pairs?: number } = {}): Promise<{ a_ms: number; b_ms: number; ratio: number; pairs: number }> {
  const { warmup = 2, pairs = 15 } = opts;
  for (let i = 0; i < warmup; i++) { await a(); await b(); }
  const ta: number[] = [], tb: number[] = [], r: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let s = performance.now();
    await a();
    const x = performance.now() - s;
    s = performance.now();
    await b();
    const y = performance.now() - s;
    ta.push(x); tb.push(y); r.push(x / y);
  }
  const med = (v: number[]) => { const w = [...v].sort((p, q) => p - q), m = w.length >> 1; return w.length % 2 ? w[m] : (w[m - 1] + w[m]) / 2; };
  return { a_ms: round(med(ta)), b_ms: round(med(tb)), ratio: round(med(r), 2), pairs };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function emit(line: BenchLine): void {
  console.log(JSON.stringify(line));
}

export interface BenchContext {
  quick: boolean;
  threads: number;
  /** A python3 that can import torch (and numpy), or undefined when none is available. */
  python?: string;
  /** A python3 that can import numpy (the torch one when there is one), or undefined. */
  numpyPython?: string;
  /** Options of the engine suite (bench/engine.ts). */
  engine?: EngineOptions;
}

export interface EngineOptions {
  /** Rounds per workload (default 3; 1 with --quick). */
  rounds?: number;
  /** Workload names of the engine suite (default: all; with --quick the ResNet-18 ones are left out). */
  workloads?: string[];
  /** Memory loop: steps, batch and ResNet-18 width (defaults 1,000 / 8 / 16; 200 steps with --quick). */
  rssSteps?: number;
  rssBatch?: number;
  rssWidth?: number;
}

