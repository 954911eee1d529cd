// `bitspike report <run> [<run> …]`: one self-contained HTML file (inline CSS and SVG, no scripts or
// external requests) with accuracy per task, accuracy vs memory bits, the final confusion matrix,
// the accuracy matrix and the memory breakdown of each run. Reads results.json (or, for a run that
// has not finished, the task lines of events.jsonl).
import fs from 'node:fs';
import path from 'node:path';
import { formatBits } from './budget.js';
import { summarize } from './metrics.js';
import type { RunResults, TaskRecord, TaskTiming } from './runner.js';

export interface LoadedRun { dir: string; results: RunResults; timings: TaskTiming[]; finished: boolean }

/**
 * The run folders behind a report argument: a run folder itself, or a demo folder (demo.json beside
 * one run folder per method), which stands for its methods' runs in table order.
 */
export function runFolders(dir: string): string[] {
  const demo = path.join(dir, 'demo.json');
  if (fs.existsSync(path.join(dir, 'results.json')) || fs.existsSync(path.join(dir, 'events.jsonl')) || !fs.existsSync(demo)) return [dir];
  let methods: unknown;
  try { methods = (JSON.parse(fs.readFileSync(demo, 'utf8')) as { methods?: unknown }).methods; } catch (e) { throw new Error(`${demo}: not valid JSON (${(e as Error).message})`); }
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) throw new Error(`${demo}: expected "methods": [<method>, …]`);
  return methods.map((m) => path.join(dir, m));
}

export function loadRun(dir: string): LoadedRun {
  const res = path.join(dir, 'results.json'), ev = path.join(dir, 'events.jsonl'), tim = path.join(dir, 'timings.json');
  if (fs.existsSync(res)) {
    const results = JSON.parse(fs.readFileSync(res, 'utf8')) as RunResults;
    const timings = fs.existsSync(tim) ? JSON.parse(fs.readFileSync(tim, 'utf8')) as TaskTiming[] : [];
    return { dir, results, timings, finished: true };
  }
  if (!fs.existsSync(ev)) throw new Error(`${dir}: not a run folder (no results.json or events.jsonl)`);
  const lines = fs.readFileSync(ev, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new Error(`${ev}:${i + 1}: not a JSON line`); }
  });
  const start = lines.find((l) => l.type === 'start');
  const tasks = lines.filter((l) => l.type === 'task') as unknown as (TaskRecord & { timing: TaskTiming })[];
  if (!start || tasks.length === 0) throw new Error(`${ev}: no finished task yet`);
  const config = start.config as RunResults['config'];
  return {
    dir, finished: false, timings: tasks.map((t) => t.timing),
    results: {
      name: config.name, method: String(start.method), config, classNames: tasks[0].confusion.map((_, i) => String(i)),
      tasks, summary: summarize(tasks), memory: tasks[tasks.length - 1].memory, defaults: [],
    },
  };
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);

interface Series { label: string; color: string; points: [number, number][]; dashed?: boolean }

function chart(title: string, series: Series[], o: { xLabel: string; yLabel: string; logX?: boolean; xTicks?: number[]; xFmt?: (v: number) => string }): string {
  const W = 520, H = 300, L = 56, R = 16, T = 28, B = 44;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const fx = o.logX ? Math.log10 : (v: number) => v;
  let x0 = Math.min(...xs.map(fx)), x1 = Math.max(...xs.map(fx));
  if (x0 === x1) { x0 -= 0.5; x1 += 0.5; }
  const pad = (x1 - x0) * 0.05; x0 -= pad; x1 += pad;
  const px = (v: number) => L + ((fx(v) - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number) => T + (1 - v) * (H - T - B);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" class="t">${esc(title)}</text>`];
  for (let g = 0; g <= 10; g += 2) {
    const y = py(g / 10);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" class="grid"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${g * 10}%</text>`);
  }
  const ticks = o.xTicks ?? (o.logX ? (() => { const t: number[] = []; for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) if (e >= x0 && e <= x1) t.push(10 ** e); return t; })() : []);
  for (const t of ticks) parts.push(`<text x="${px(t)}" y="${H - B + 16}" text-anchor="middle">${esc((o.xFmt ?? String)(t))}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${pts.join(' ')}"/>`);
    for (const p of pts) { const [cx, cy] = p.split(','); parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}"/>`); }
    parts.push(`<rect x="${L + 8}" y="${T + 6 + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${L + 22}" y="${T + 15 + i * 16}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function confusionSvg(conf: number[][], names: readonly string[]): string {
  const seen = conf.map((row, i) => row.some((v) => v > 0) || conf.some((r) => r[i] > 0)).map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
  const n = seen.length, cell = Math.max(14, Math.min(36, Math.floor(360 / Math.max(1, n)))), L = 60, T = 40;
  const W = L + n * cell + 10, H = T + n * cell + 30;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="confusion matrix">`,
    `<text x="${W / 2}" y="14" text-anchor="middle" class="t">Final confusion matrix (rows: true, columns: predicted)</text>`];
  seen.forEach((r, i) => {
    const total = conf[r].reduce((a, b) => a + b, 0) || 1;
    parts.push(`<text x="${L - 6}" y="${T + i * cell + cell / 2 + 4}" text-anchor="end">${esc(names[r] ?? String(r))}</text>`);
    parts.push(`<text x="${L + i * cell + cell / 2}" y="${T - 6}" text-anchor="middle">${esc(names[r] ?? String(r))}</text>`);
    seen.forEach((c, j) => {
      const f = conf[r][c] / total;
      const shade = Math.round(255 * (1 - f));
      parts.push(`<rect x="${L + j * cell}" y="${T + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#fff"><title>true ${esc(names[r] ?? '')}, predicted ${esc(names[c] ?? '')}: ${conf[r][c]} (${pct(f)})</title></rect>`);
      if (cell >= 24 && conf[r][c] > 0) parts.push(`<text x="${L + j * cell + cell / 2}" y="${T + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="9" fill="${f > 0.5 ? '#fff' : '#000'}">${Math.round(100 * f)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function buildReport(runs: LoadedRun[]): string {
  if (runs.length === 0) throw new Error('report: no runs');
  const ticks = Array.from({ length: Math.max(...runs.map((r) => r.results.tasks.length)) }, (_, i) => i + 1);
  const perTask: Series[] = runs.length === 1
    ? (() => {
      const t = runs[0].results.tasks;
      return [
        { label: 'all seen classes', color: COLORS[0], points: t.map((r) => [r.task + 1, r.accuracy] as [number, number]) },
        { label: 'old classes', color: COLORS[1], dashed: true, points: t.filter((r) => r.oldAccuracy !== null).map((r) => [r.task + 1, r.oldAccuracy!] as [number, number]) },
        { label: 'new classes', color: COLORS[2], dashed: true, points: t.map((r) => [r.task + 1, r.newAccuracy] as [number, number]) },
      ];
    })()
    : runs.map((r, i) => ({ label: r.results.method, color: COLORS[i % COLORS.length], points: r.results.tasks.map((t) => [t.task + 1, t.accuracy] as [number, number]) }));
  const memSeries: Series[] = runs.map((r, i) => ({
    label: r.results.method, color: COLORS[i % COLORS.length],
    points: r.results.tasks.map((t) => [t.memory.totalBits, t.accuracy] as [number, number]),
  }));
  const sections = runs.map((r) => {
    const res = r.results, s = res.summary;
    const C = res.tasks.length;
    const matrix = s.accuracyMatrix.map((row, t) => [`after task ${t + 1}`, ...row.slice(0, C).map((v) => (v === null ? '' : pct(v)))]);
    const mem = res.tasks.map((t, i) => [String(t.task + 1), t.classes.join(', '), pct(t.accuracy), pct(t.oldAccuracy), pct(t.newAccuracy),
      t.memory.modelBits.toLocaleString('en-US'), t.memory.bufferBits.toLocaleString('en-US'), t.memory.generatorBits.toLocaleString('en-US'),
      t.memory.classMapBits.toLocaleString('en-US'), t.memory.auxiliaryBits.toLocaleString('en-US'), t.memory.totalBits.toLocaleString('en-US'),
      r.timings[i] ? `${(r.timings[i].trainMs / 1000).toFixed(1)} s` : '']);
    return `<section><h2>${esc(res.method)}${r.finished ? '' : ' (unfinished)'}</h2>
<p class="dir">${esc(r.dir)}</p>
<p><b>Average incremental accuracy ${pct(s.averageIncrementalAccuracy)}</b> · final accuracy ${pct(s.finalAccuracy)} · forgetting ${pct(s.forgetting)} · backward transfer ${s.backwardTransfer === null ? '–' : (100 * s.backwardTransfer).toFixed(1) + ' pts'} · memory ${res.memory.totalBits.toLocaleString('en-US')} bits (${formatBits(res.memory.totalBits)})</p>
${table(['task', 'classes', 'accuracy', 'old', 'new', 'model bits', 'buffer bits', 'generator bits', 'class map bits', 'auxiliary bits', 'total bits', 'train time'], mem)}
<h3>Accuracy matrix R[t][j] (accuracy on task j's classes after task t)</h3>
${table(['', ...Array.from({ length: C }, (_, j) => `task ${j + 1}`)], matrix)}
${confusionSvg(res.tasks[res.tasks.length - 1].confusion, res.classNames)}
${res.defaults.length ? `<h3>Defaults in effect (not paper values)</h3><ul>${res.defaults.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}
<details><summary>config</summary><pre>${esc(JSON.stringify(res.config, null, 2))}</pre></details></section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bitspike CIL report</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
svg{font:11px system-ui,sans-serif;margin:8px 12px 8px 0;background:#fafafa;border:1px solid #eee}
svg .t{font-weight:600;font-size:12px} .grid{stroke:#e3e3e3}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f3f3}
.dir{color:#777;font-family:monospace}section{border-top:2px solid #eee;margin-top:24px}
</style></head><body><h1>bitspike class-incremental report</h1>
<p>${runs.length} run${runs.length > 1 ? 's' : ''}. Accuracy is single-head top-1 on the test images of every class seen so far; memory in bits (Mb = 10<sup>6</sup> bits).</p>
${chart('Accuracy per task', perTask, { xLabel: 'task', yLabel: 'accuracy', xTicks: ticks })}
${chart('Accuracy vs memory', memSeries, { xLabel: 'learner memory (bits, log scale)', yLabel: 'accuracy', logX: true, xFmt: (v) => formatBits(v) })}
${sections.join('\n')}
</body></html>`;
}
