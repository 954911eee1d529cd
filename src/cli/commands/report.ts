// `bitspike report <run> [<run> …]`: a self-contained HTML report of CIL runs (inline SVG plots).
import path from 'node:path';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';
import { buildReport, loadRun, runFolders } from '../../cil/report.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';

export const summary = 'HTML report of CIL runs: accuracy per task, accuracy vs memory bits, confusion matrix';

const FLAGS: FlagSpecs = {
  out: { kind: 'string', help: 'output file (default: <first run>/report.html)' },
  help: { kind: 'boolean', help: 'show this help' },
};

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('report', argv, FLAGS);
  if (flags.help) { console.log(usage('report <run folder> [<run folder> …]', summary, FLAGS)); return 0; }
  if (positional.length === 0) throw new UsageError('report', 'expected at least one run folder (the --out of bitspike cil, or of bitspike demo for all its methods)');
  const runs = positional.flatMap(runFolders).map(loadRun);
  const out = (flags.out as string | undefined) ?? path.join(positional[0], 'report.html');
  writeFileAtomic(out, buildReport(runs));
  console.log(`wrote ${out} (${runs.length} run${runs.length > 1 ? 's' : ''})`);
  return 0;
}
