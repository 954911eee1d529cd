// Human-readable results: the per-task table and the one-line summary the demo ends with.
import { formatBits } from './budget.js';
import type { RunResults } from './runner.js';

const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const int = (v: number): string => v.toLocaleString('en-US');

export function resultsTable(r: RunResults): string {
  const head = ['task', 'classes', 'acc (seen)', 'old', 'new', 'memory bits', 'model', 'buffer', 'generator'];
  const rows = r.tasks.map((t) => [
    String(t.task + 1), t.classes.join(','), pct(t.accuracy), pct(t.oldAccuracy), pct(t.newAccuracy),
    int(t.memory.totalBits), formatBits(t.memory.modelBits), formatBits(t.memory.bufferBits), formatBits(t.memory.generatorBits),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const s = r.summary;
  return [
    fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt), '',
    `average incremental accuracy ${pct(s.averageIncrementalAccuracy)}, final accuracy ${pct(s.finalAccuracy)}, ` +
    `forgetting ${pct(s.forgetting)}, backward transfer ${s.backwardTransfer === null ? '–' : `${(100 * s.backwardTransfer).toFixed(1)} pts`}`,
  ].join('\n');
}

/** The last line of the demo: method, Ā, A_T and memory in bits. */
export function summaryLine(r: RunResults): string {
  return `method ${r.method}: average incremental accuracy ${pct(r.summary.averageIncrementalAccuracy)}, ` +
    `final accuracy ${pct(r.summary.finalAccuracy)}, memory ${int(r.memory.totalBits)} bits (${(r.memory.totalBits / 1e6).toFixed(2)} Mb)`;
}

/** One method of a side-by-side comparison (the demo's table). Bits are null where they do not apply. */
export interface ComparisonRow {
  method: string;
  description: string;
  averageIncrementalAccuracy: number;
  finalAccuracy: number;
  /** What the method keeps against forgetting: stored samples or generator parameters. */
  memoryBits: number | null;
  /** Deployed model weights and the class map. */
  modelBits: number;
  /** Everything the learner holds (null for joint training, which keeps its whole training set). */
  totalBits: number | null;
}

/** Bytes of `bits`, in kB (1 kB = 1,000 bytes, as Mb = 10^6 bits). */
export function kiloBytes(bits: number): string {
  return `${(bits / 8000).toFixed(1)} kB`;
}

export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const head = ['method', 'Ā (avg incr.)', 'A_T (final)', 'memory bits', 'memory', 'model', 'total'];
  const cells = rows.map((r) => [
    r.description, pct(r.averageIncrementalAccuracy), pct(r.finalAccuracy),
    r.memoryBits === null ? 'all data' : int(r.memoryBits), r.memoryBits === null ? '–' : kiloBytes(r.memoryBits),
    kiloBytes(r.modelBits), r.totalBits === null ? '–' : kiloBytes(r.totalBits),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)].join('\n');
}
