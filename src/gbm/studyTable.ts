// Markdown table of study results (the JSON files written by study.ts), for docs/results/gbm.md:
//   node build/src/gbm/studyTable.js runs/gbm [name-prefix]
import fs from 'node:fs';
import path from 'node:path';
import type { StudyResult } from './study.js';

const pct = (v: number | null): string => (v === null ? '–' : (100 * v).toFixed(1));

export function studyRow(file: string, r: StudyResult): string {
  const last = r.tasks[r.tasks.length - 1];
  const m = last.memory;
  const mem = m.generatorBits + m.bufferBits;
  return `| ${path.basename(file, '.json')} | ${pct(r.summary.averageIncrementalAccuracy)} | ${pct(r.summary.finalAccuracy)} | ${pct(last.oldAccuracy)} | ${pct(last.newAccuracy)} | ${mem.toLocaleString('en-US')} | ${m.modelBits.toLocaleString('en-US')} | ${pct(r.tasks[0].accuracy)} |`;
}

export const STUDY_HEADER = '| run | Ā % | A_T % | old % (T) | new % (T) | memory bits (generator + buffer) | model bits | A_0 % |\n|---|---|---|---|---|---|---|---|';

export function studyTable(dir: string, prefix = ''): string {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f.startsWith(prefix)).sort();
  return [STUDY_HEADER, ...files.map((f) => studyRow(f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as StudyResult))].join('\n');
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname)) {
  const [dir, prefix] = process.argv.slice(2);
  if (!dir) { process.stderr.write('usage: node build/src/gbm/studyTable.js DIR [name-prefix]\n'); process.exitCode = 2; } else process.stdout.write(`${studyTable(dir, prefix)}\n`);
}
