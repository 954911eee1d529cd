// Markdown tables and SVG plots from FBNN-ER result files: final accuracy A_T and average incremental
// accuracy Ā against the buffer budget, one series per (replay kind, pre-training, λ), plus the
// retention (old classes) / adaptation (newest class) split at the last step.
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { linePlotSvg, type Series } from './plot.js';
import { readStudyFile, studySettings, type ReplayRun, type StudyFile } from './study.js';

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : (100 * v).toFixed(1));
const ssl = (s: string): string => (s === 'none' ? 'supervised' : `semi-sup. (${s})`);
const lam = (l: number | null): string => (l === null ? 'joined CE' : `λ=${l}`);

export interface SeriesKey { kind: string; pretraining: string; lossBalance: number | null }
export const seriesName = (k: SeriesKey): string => `${k.kind === 'latent' ? 'LR' : 'NR'}, ${ssl(k.pretraining)}, ${lam(k.lossBalance)}`;

/** Runs grouped by (kind, pre-training, λ), each sorted by budget. */
export function groupRuns(files: readonly StudyFile[]): Map<string, { key: SeriesKey; runs: ReplayRun[]; files: StudyFile[] }> {
  const groups = new Map<string, { key: SeriesKey; runs: ReplayRun[]; files: StudyFile[] }>();
  for (const f of files) for (const r of f.runs) {
    const key = { kind: r.kind, pretraining: r.pretraining, lossBalance: r.lossBalance };
    const id = seriesName(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, runs: [], files: [] }));
    g.runs.push(r);
    if (!g.files.includes(f)) g.files.push(f);
  }
  for (const g of groups.values()) g.runs.sort((a, b) => a.budgetMb - b.budgetMb);
  return groups;
}

function toSeries(label: string, runs: readonly ReplayRun[], metric: 'final' | 'average', dashed = false): Series {
  return {
    label, dashed,
    points: runs.filter((r) => r.feasible && r.summary).map((r) => ({ x: r.budgetMb, y: metric === 'final' ? r.summary!.finalAccuracy : r.summary!.averageIncrementalAccuracy })),
  };
}

/** Writes the plots to imgDir and returns the markdown (tables + image links + commands). */
export function writeReport(resultFiles: readonly string[], imgDir: string, prefix: string): string {
  if (resultFiles.length === 0) throw new RangeError('report: no results files');
  const files = resultFiles.map(readStudyFile);
  const main = files[0], defaultLambda = studySettings(main.config, resultFiles[0]).lossBalance, mainSsl = main.config.pretrain!.ssl;
  const groups = groupRuns(files);
  const md: string[] = [];
  const title = `${main.dataset}, ${main.data.baseClasses.length} pre-training classes → ${main.data.deploymentTasks.length} tasks of ${main.data.deploymentTasks[0].length}`;
  // Plots.
  const plots: string[] = [];
  for (const metric of ['final', 'average'] as const) {
    const series: Series[] = [];
    for (const g of groups.values()) {
      if (g.key.lossBalance !== defaultLambda) continue;
      series.push(toSeries(seriesName(g.key).replace(`, ${lam(defaultLambda)}`, ''), g.runs, metric, g.key.pretraining !== mainSsl));
    }
    if (series.some((s) => s.points.length)) {
      const file = `${prefix}-${metric}.svg`;
      writeFileAtomic(path.join(imgDir, file), linePlotSvg(series.filter((s) => s.points.length), {
        title: `${metric === 'final' ? 'Final accuracy A_T' : 'Average incremental accuracy Ā'}: ${title} (${lam(defaultLambda)})`,
        xLabel: 'replay buffer budget (Mb = 10^6 bits, log scale)', yLabel: metric === 'final' ? 'A_T' : 'Ā',
      }));
      plots.push(file);
    }
  }
  const lambdaGroups = [...groups.values()].filter((g) => g.key.pretraining === mainSsl);
  for (const kind of ['latent', 'native']) {
    const gs = lambdaGroups.filter((g) => g.key.kind === kind);
    if (gs.length < 2) continue;
    const series = gs.map((g) => toSeries(lam(g.key.lossBalance), g.runs, 'final'));
    if (series.filter((s) => s.points.length > 1).length < 2) continue;
    const file = `${prefix}-lambda-${kind}.svg`;
    writeFileAtomic(path.join(imgDir, file), linePlotSvg(series, { title: `Loss balancing, ${kind === 'latent' ? 'LR' : 'NR'}: ${title}`, xLabel: 'replay buffer budget (Mb, log scale)', yLabel: 'A_T' }));
    plots.push(file);
  }
  for (const p of plots) md.push(`![${p}](img/${p})`, '');
  // Tables.
  md.push('| series | budget (Mb) | stored (per class) | payload bits | A_T | Ā | old (retention) | newest (adaptation) | forgetting |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, g] of groups) {
    for (const r of g.runs) {
      if (!r.feasible) { md.push(`| ${name} | ${r.budgetMb} | 0 (budget < 1 sample/class) | — | n/a | n/a | n/a | n/a | n/a |`); continue; }
      const last = r.tasks[r.tasks.length - 1];
      md.push(`| ${name} | ${r.budgetMb} | ${r.plan.capacity} (${r.plan.perClass}) | ${r.plan.payloadBits.toLocaleString('en-US')} | ${pct(r.summary!.finalAccuracy)} | ${pct(r.summary!.averageIncrementalAccuracy)} | ${pct(last.oldAccuracy)} | ${pct(last.newAccuracy)} | ${pct(r.summary!.forgetting)} |`);
    }
  }
  md.push('', 'Pre-training (encoder, cached once per variant):', '', '| pre-training | epochs | final loss (CE, SSL) | base-class test acc. | deployment-class linear probe | encoder bits |', '|---|---:|---|---:|---:|---:|');
  const seen = new Set<string>();
  for (const f of files) {
    const p = f.pretraining;
    if (!p || seen.has(p.key)) continue;
    seen.add(p.key);
    const h = p.history[p.history.length - 1];
    md.push(`| ${ssl(p.ssl)} | ${p.history.length} | ${h.loss.toFixed(3)} (${h.ce.toFixed(3)}, ${h.ssl.toFixed(3)}) | ${pct(p.baseTestAccuracy)} | ${pct(p.deploymentProbeAccuracy)} | ${p.encoderBits.toLocaleString('en-US')} |`);
  }
  md.push('', 'Commands (seed ' + [...new Set(files.map((f) => f.seed))].join(', ') + '):', '', '```');
  for (const f of files) md.push(f.command);
  md.push('```', '');
  return md.join('\n') + '\n';
}
