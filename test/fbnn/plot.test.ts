import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linePlotSvg } from '../../src/fbnn/plot.js';

test('line plot: one polyline and legend entry per series, log-x ticks, escaped text', () => {
  const svg = linePlotSvg([
    { label: 'LR <a>', points: [{ x: 0.05, y: 0.2 }, { x: 1, y: 0.5 }, { x: 10, y: 0.55 }] },
    { label: 'NR', points: [{ x: 1, y: 0.3 }, { x: 10, y: 0.6 }], dashed: true },
  ], { title: 'A_T vs budget', xLabel: 'Mb', yLabel: 'A_T' });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.equal((svg.match(/<circle/g) ?? []).length, 5);
  assert.match(svg, /LR &lt;a&gt;/);
  assert.match(svg, /stroke-dasharray/);
  for (const t of ['>0.1<', '>1<', '>10<']) assert.ok(svg.includes(t), `tick ${t}`);
  assert.throws(() => linePlotSvg([{ label: 'x', points: [{ x: 0, y: 1 }] }], { title: 't', xLabel: 'x', yLabel: 'y' }), /positive x/);
  assert.throws(() => linePlotSvg([{ label: 'x', points: [] }], { title: 't', xLabel: 'x', yLabel: 'y' }), /no finite points/);
});
