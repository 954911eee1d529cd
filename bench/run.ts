// `npm run bench [-- --quick] [--threads N] [--only a,b] [--rounds N] [--workloads a,b] [--rss-steps N]
// [--rss-batch B] [--rss-width W]`: every suite prints JSON lines to stdout. --rounds, --workloads and
// --rss-* are options of the engine suite (bench/engine.ts).
import { availableParallelism } from 'node:os';
import { parseArgs } from '../src/cli/args.js';
import type { BenchContext } from './harness.js';
import { findPython } from './python.js';

const suites: Record<string, () => Promise<(ctx: BenchContext) => Promise<void>>> = {
  engine: async () => (await import('./engine.js')).runEngineBench,
  kernels: async () => (await import('./kernels.js')).runKernelBench,
  bmm: async () => (await import('./bmm.js')).runBmmBench,
  bnn: async () => (await import('./bnn.js')).runBnnBench,
  snn: async () => (await import('./snn.js')).runSnnBench,
  data: async () => (await import('./data.js')).runDataBench,
  onnx: async () => (await import('./onnx.js')).runOnnxBench,
};

const { flags } = parseArgs('bench', process.argv.slice(2), {
  quick: { kind: 'boolean', help: 'fewer repetitions (whole run under two minutes)', default: false },
  threads: { kind: 'number', help: 'threads for bitspike and the reference', default: Math.min(2, availableParallelism()) },
  only: { kind: 'string', help: `comma-separated suites (${Object.keys(suites).join(',')})` },
  'no-reference': { kind: 'boolean', help: 'skip the PyTorch/numpy reference runs', default: false },
  rounds: { kind: 'number', help: 'engine: rounds per workload, PyTorch right before bitspike in each (default 3; --quick: 1)' },
  workloads: { kind: 'string', help: 'engine: comma-separated workloads (smallCNN,resnet8,resnet18_w32,resnet18_w64,memory; default all, --quick leaves out resnet18_*)' },
  'rss-steps': { kind: 'number', help: 'engine memory loop: ResNet-18 training steps (default 1000; --quick: 200)' },
  'rss-batch': { kind: 'number', help: 'engine memory loop: batch (default 8)' },
  'rss-width': { kind: 'number', help: 'engine memory loop: ResNet-18 width (default 16)' },
});
const only = typeof flags.only === 'string' ? flags.only.split(',') : Object.keys(suites);
for (const s of only) if (!suites[s]) throw new Error(`bench: unknown suite '${s}' (known: ${Object.keys(suites).join(', ')})`);
// Torch scripts need a Python with torch; the numpy reference (bmm) only numpy, which a Python
// without torch may still have.
const python = flags['no-reference'] ? undefined : findPython('torch');
const numpyPython = flags['no-reference'] ? undefined : python ?? findPython('numpy');
const num = (k: string) => (typeof flags[k] === 'number' ? flags[k] as number : undefined);
const ctx: BenchContext = {
  quick: flags.quick as boolean, threads: flags.threads as number, python, numpyPython,
  engine: {
    rounds: num('rounds'), workloads: typeof flags.workloads === 'string' ? flags.workloads.split(',') : undefined,
    rssSteps: num('rss-steps'), rssBatch: num('rss-batch'), rssWidth: num('rss-width'),
  },
};
console.error(`bench: suites ${only.join(',')}, threads ${ctx.threads}, reference python: ${python ?? (numpyPython ? `${numpyPython} (numpy only: PyTorch ratios omitted)` : 'none (ratios omitted)')}`);
const t0 = performance.now();
for (const s of only) {
  const t = performance.now();
  await (await suites[s]())(ctx);
  console.error(`bench: ${s} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
console.error(`bench: all done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exit(0);
