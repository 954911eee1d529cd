// Markdown table of frozen-encoder study results (docs/results/gbm.md): one row per method label,
// mean ± std over the result files given (one per class order), with the memory each method keeps
// between steps, its classifier's bits and its wall time per incremental step.
import type { FrozenStudyResult } from './study.js';

const pct = (v: number) => (v * 100).toFixed(1);

function meanStd(v: number[]): string {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  if (v.length === 1) return pct(m);
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
  return `${pct(m)} ± ${pct(sd)}`;
}

/** Bits as "12.3 kB" / "1.23 MB" (bytes = bits / 8, decimal units). */
export function formatBits(bits: number): string {
  const bytes = bits / 8;
  if (bytes < 1e3) return `${bytes.toFixed(0)} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

export function frozenStudyTable(results: readonly FrozenStudyResult[]): string {
  if (results.length === 0) throw new RangeError('frozen study table: no results');
  const labels = results[0].methods.map((m) => m.label);
  for (const r of results) {
    const l = r.methods.map((m) => m.label);
    if (l.join('\n') !== labels.join('\n')) throw new RangeError(`frozen study table: ${r.name} has methods [${l.join(', ')}], expected [${labels.join(', ')}]`);
    if (r.scenario.name !== results[0].scenario.name) throw new RangeError(`frozen study table: scenarios differ (${r.scenario.name} vs ${results[0].scenario.name})`);
  }
  const lines = [
    `| method | Ā (%) | A_T (%) | old at T (%) | new at T (%) | kept between steps at T | classifier | s / incremental step |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const label of labels) {
    const runs = results.map((r) => r.methods.find((m) => m.label === label)!);
    const last = runs.map((m) => m.steps[m.steps.length - 1]);
    const mem = last[0].memory;
    const parts = Object.entries(mem).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${formatBits(b)}`).join(' + ');
    const incMs = runs.flatMap((m) => m.steps.slice(1).map((s) => s.stepMs));
    const sPerStep = incMs.length ? incMs.reduce((s, x) => s + x, 0) / incMs.length / 1000 : 0;
    lines.push(`| ${label} | ${meanStd(runs.map((m) => m.summary.averageIncrementalAccuracy))} | ${meanStd(runs.map((m) => m.summary.finalAccuracy))} | ` +
      `${meanStd(last.map((s) => s.oldAccuracy ?? 0))} | ${meanStd(last.map((s) => s.newAccuracy))} | ${parts || '—'} | ${formatBits(last[0].classifierBits)} | ${sPerStep.toFixed(1)} |`);
  }
  return lines.join('\n');
}
