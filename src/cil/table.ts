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
