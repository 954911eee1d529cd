// Self-contained SVG line plots written by code (no plotting library): accuracy against buffer
// budget on a log x axis, one polyline with markers per series, axes with ticks, legend, title.

export interface Series { label: string; points: { x: number; y: number }[]; color?: string; dashed?: boolean }
export interface PlotOptions { title: string; xLabel: string; yLabel: string; logX?: boolean; yMin?: number; yMax?: number; width?: number; height?: number }

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 1 ? String(Number(v.toPrecision(3))) : String(Number(v.toPrecision(2)));
}

export function linePlotSvg(series: readonly Series[], o: PlotOptions): string {
  const W = o.width ?? 640, H = o.height ?? 400, m = { l: 60, r: 170, t: 36, b: 48 };
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (pts.length === 0) throw new RangeError(`plot '${o.title}': no finite points`);
  const logX = o.logX ?? true;
  if (logX && pts.some((p) => p.x <= 0)) throw new RangeError(`plot '${o.title}': log x axis needs positive x values`);
  const tx = (x: number): number => (logX ? Math.log10(x) : x);
  let x0 = Math.min(...pts.map((p) => tx(p.x))), x1 = Math.max(...pts.map((p) => tx(p.x)));
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  const y0 = o.yMin ?? 0, y1 = o.yMax ?? 1;
  const px = (x: number): number => m.l + ((tx(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="20" text-anchor="middle" font-size="13">${esc(o.title)}</text>`);
  // Y grid and ticks.
  for (let k = 0; k <= 5; k++) {
    const v = y0 + ((y1 - y0) * k) / 5, y = py(v);
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${fmtTick(v)}</text>`);
  }
  // X ticks: decades (log) or 6 even steps.
  const xt: number[] = [];
  if (logX) {
    for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) for (const s of [1, 2, 5]) { const v = s * 10 ** e; if (tx(v) >= x0 - 1e-9 && tx(v) <= x1 + 1e-9) xt.push(v); }
  } else for (let k = 0; k <= 5; k++) xt.push(x0 + ((x1 - x0) * k) / 5);
  for (const v of xt) {
    const x = px(v);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${H - m.b + 14}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const p = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).sort((a, b) => a.x - b.x);
    if (p.length) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${p.map((q) => `${px(q.x).toFixed(1)},${py(q.y).toFixed(1)}`).join(' ')}"/>`);
      for (const q of p) out.push(`<circle cx="${px(q.x).toFixed(1)}" cy="${py(q.y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = m.t + 10 + i * 18;
    out.push(`<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${W - m.r + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
