// `node build/bench/profile.js [--workload resnet18_w32] [--mode infer|train] [--threads 1] [--passes 5]`:
// where one inference pass or training step of a bench workload spends its time, kernel call by
// kernel call. Every method of the active kernel backend is wrapped with a timer (a few hundred calls
// a pass; the total line includes the timers); each conv2d call is also keyed by its geometry and the algorithm the backend
// picks for it, and each worker dispatch (`run:<kernel>`) by the kernel it runs. Host methods nest
// (conv2d calls run, put and get), so the lines overlap: read them per family, not as a sum. Prints
// one JSON line per key (calls and milliseconds per pass, sorted by time) and a total line.
import * as E from '../src/engine/index.js';
import { getKernels } from '../src/engine/kernels/index.js';
import type { ConvGeometry } from '../src/engine/kernels/types.js';
import { parseArgs } from '../src/cli/args.js';
import { nn, Rng } from '../src/index.js';
import { resnet18 } from './models.js';

const { flags } = parseArgs('profile', process.argv.slice(2), {
  workload: { kind: 'string', help: 'smallCNN, resnet8, resnet18_w32 or resnet18_w64 (batch 64, as the engine bench)', default: 'resnet18_w32' },
  mode: { kind: 'string', help: "'infer' (eval mode, no gradients, in tidy) or 'train' (Adam step in tidy)", default: 'infer' },
  threads: { kind: 'number', help: 'kernel threads', default: 1 },
  passes: { kind: 'number', help: 'timed passes after 2 warm-up passes', default: 5 },
});
const mode = String(flags.mode), workload = String(flags.workload), passes = Number(flags.passes);
if (mode !== 'infer' && mode !== 'train') throw new Error(`profile: --mode expects infer or train, got '${mode}'`);
if (!Number.isInteger(passes) || passes < 1) throw new Error(`profile: --passes expects a positive integer, got ${String(flags.passes)}`);

const BUILDERS: Record<string, [(rng: Rng) => nn.Module, number[], number]> = {
  smallCNN: [(rng) => nn.smallCnn(rng), [64, 1, 28, 28], 10],
  resnet8: [(rng) => nn.resnet8(rng), [64, 3, 32, 32], 10],
  resnet18_w32: [(rng) => resnet18(rng, { width: 32, classes: 200, height: 64, stem: 'imagenet' }), [64, 3, 64, 64], 200],
  resnet18_w64: [(rng) => resnet18(rng, { width: 64, classes: 200, height: 64, stem: 'imagenet' }), [64, 3, 64, 64], 200],
};
const spec = BUILDERS[workload];
if (!spec) throw new Error(`profile: unknown --workload '${workload}' (known: ${Object.keys(BUILDERS).join(', ')})`);

await E.setThreads(Number(flags.threads));
const rng = new Rng(1);
const model = spec[0](rng);
const x = E.randn(spec[1], rng);
const labels = Int32Array.from({ length: spec[1][0] }, () => rng.int(spec[2]));
const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
if (mode === 'infer') model.eval();
const pass = mode === 'infer'
  ? () => { E.tidy(() => E.noGrad(() => model.forward(x))); }
  : () => { E.tidy(() => { opt.zeroGrad(); E.crossEntropy(model.forward(x), labels).backward(); opt.step(); }); };

// Wrap every method of the backend (own and inherited, once each) with a timer keyed as above.
const k = getKernels() as unknown as Record<string, unknown>;
const stats = new Map<string, { calls: number; ms: number }>();
let timing = false;
const keyOf = (name: string, args: unknown[]): string => {
  if (name === 'run') return `run:${String(args[0])}`;
  if (name === 'conv2d') {
    const g = args[0] as ConvGeometry;
    const algorithm = (k.convAlgorithm as ((g: ConvGeometry, a?: boolean) => string) | undefined)?.call(k, g, args[6] as boolean) ?? 'direct';
    return `conv2d ${g.C}->${g.OC} ${g.KH}x${g.KW}/s${g.strideH} ${g.OH}x${g.OW} ${algorithm}`;
  }
  return name;
};
function timed(name: string, f: (...a: unknown[]) => unknown) {
  return function (this: unknown, ...args: unknown[]) {
    if (!timing) return f.apply(this, args);
    const t0 = performance.now();
    try { return f.apply(this, args); } finally {
      const key = keyOf(name, args), s = stats.get(key) ?? { calls: 0, ms: 0 };
      s.calls++; s.ms += performance.now() - t0; stats.set(key, s);
    }
  };
}
// Methods of a class-based backend live on its prototypes; the reference backend's are own properties.
const names = new Set(Object.keys(k));
for (let proto = Object.getPrototypeOf(k); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
  for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
}
for (const name of names) {
  const f = k[name];
  if (typeof f === 'function') k[name] = timed(name, f as (...a: unknown[]) => unknown);
}

for (let i = 0; i < 2; i++) pass();
timing = true;
const t0 = performance.now();
for (let i = 0; i < passes; i++) pass();
const total = (performance.now() - t0) / passes;
timing = false;
const round = (v: number) => Math.round(v * 1000) / 1000;
for (const [key, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(JSON.stringify({ name: `profile.${workload}.${mode}`, key, calls_per_pass: s.calls / passes, ms_per_pass: round(s.ms / passes) }));
}
console.log(JSON.stringify({ name: `profile.${workload}.${mode}`, key: 'total', ms_per_pass: round(total), passes, threads: Number(flags.threads), backend: String((k as { name?: string }).name) }));
await E.setThreads(1);
