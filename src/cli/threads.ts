// `--threads N` for every command that trains or runs networks: one declaration and one check.
import { setThreads } from '../engine/kernels/index.js';
import { UsageError, type FlagSpec, type ParsedFlags } from './args.js';

/** Wasm kernel threads. Results are bit-identical for any N (docs/architecture.md). */
export const THREADS_FLAG: FlagSpec = { kind: 'number', help: 'kernel threads (the caller plus N − 1 workers; results are identical for any N)', default: 1 };

/** Validates `--threads` and installs that many kernel threads; returns N. */
export async function useKernelThreads(command: string, flags: ParsedFlags): Promise<number> {
  const n = flags.threads;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new UsageError(command, `--threads expects an integer ≥ 1, got ${String(n)}`);
  await setThreads(n);
  return n;
}
