// Resident memory of a long ResNet-18 training loop (Adam, batch statistics), in a process of its own
// so the peak is the loop's: node build/bench/memory-loop.js [--steps N] [--warmup K] [--batch B]
// [--width W] [--size S] [--classes C] [--stem imagenet|cifar] [--threads T]
// Prints one JSON object: RSS after warm-up (step K), peak (the largest after-step reading, and the
// high-water mark that includes peaks inside a step), at the end, and the growth per step after
// warm-up (least-squares slope over every step's RSS, and the difference of the medians of the first
// and last tenth of the steps after warm-up, which one GC or allocation spike cannot move). RSS also
// moves when V8 or the allocator keep freed pages, so the loop also reads what is retained (V8 heap +
// external memory, which includes array buffers, after two forced GCs) at warm-up and at ten points after it, and fits its
// slope: retained_bytes_per_step is the leak measure, rss_* what the operating system sees.
// bench/engine.ts runs it as the `memory` workload (line memory.resnet18_loop).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as E from '../src/engine/index.js';
import { Rng } from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { resnet18 } from './models.js';

const { flags } = parseArgs('memory-loop', process.argv.slice(2), {
  steps: { kind: 'number', help: 'training steps', default: 1000 },
  warmup: { kind: 'number', help: 'steps before the "after warm-up" reading', default: 50 },
  batch: { kind: 'number', help: 'images per step', default: 8 },
  width: { kind: 'number', help: 'ResNet-18 width (stem and first stage channels)', default: 16 },
  size: { kind: 'number', help: 'image side (3 channels)', default: 64 },
  classes: { kind: 'number', help: 'classes of the head', default: 200 },
  stem: { kind: 'string', help: "'imagenet' (7×7/2 conv + 3×3/2 max-pool) or 'cifar' (3×3/1 conv)", default: 'imagenet' },
  threads: { kind: 'number', help: 'engine threads', default: 1 },
});
const steps = flags.steps as number, warmup = flags.warmup as number, batch = flags.batch as number;
const width = flags.width as number, size = flags.size as number, classes = flags.classes as number, threads = flags.threads as number;
const stem = flags.stem as string;
if (stem !== 'imagenet' && stem !== 'cifar') throw new Error(`memory-loop: --stem must be imagenet or cifar, got ${stem}`);
if (!(Number.isInteger(steps) && Number.isInteger(warmup) && warmup >= 1 && steps >= warmup + 10)) {
  throw new Error(`memory-loop: need integer --warmup ≥ 1 and --steps ≥ warmup + 10 (got ${warmup}, ${steps})`);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function retained(): number {
  gc(); gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes the array buffers
}

await E.setThreads(threads);
const rng = new Rng(1);
const model = resnet18(rng, { width, classes, height: size, stem });
const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
const x = E.randn([batch, 3, size, size], rng);
const labels = Int32Array.from({ length: batch }, () => rng.int(classes));

const MiB = 1024 * 1024;
const rss = new Float64Array(steps);
const ms = new Float64Array(steps);
const every = Math.max(1, Math.floor((steps - warmup) / 10));
const held: [number, number][] = [];
const rss0 = process.memoryUsage.rss();
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  E.tidy(() => {
    opt.zeroGrad();
    E.crossEntropy(model.forward(x), labels).backward();
    opt.step();
  });
  ms[i] = performance.now() - t;
  rss[i] = process.memoryUsage.rss();
  if (i + 1 >= warmup && (i + 1 - warmup) % every === 0) held.push([i + 1, retained()]);
}
await E.setThreads(1);

const median = (a: ArrayLike<number>): number => {
  const s = Array.from(a).sort((p, q) => p - q), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Least-squares slope of ys over xs. */
function slope(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let mx = 0, my = 0;
  for (let i = 0; i < xs.length; i++) { mx += xs[i] / xs.length; my += ys[i] / xs.length; }
  let num = 0, den = 0;
  for (let i = 0; i < xs.length; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return num / den;
}
const after = rss.subarray(warmup - 1);
const n = after.length;
const tenth = Math.max(1, Math.floor(n / 10));
const early = median(after.subarray(0, tenth)), late = median(after.subarray(n - tenth));
const mib = (b: number) => Math.round(b / MiB * 10) / 10;
/**
 * The process's RSS high-water mark, peaks inside a step included (Linux: VmHWM, which belongs to this
 * program's address space; getrusage's maxRSS is not used because Linux carries it over from the parent
 * process at spawn, e.g. the ~400 MiB of the bench process that spawns this loop).
 */
function highWater(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
const hwm = highWater();
console.log(JSON.stringify({
  config: `ResNet-18 width ${width}, blocks [2, 2, 2, 2], ${stem} stem, ${size}×${size}×3 input, ${classes} classes, batch ${batch}, Adam lr 1e-3, ${threads} thread${threads > 1 ? 's' : ''}`,
  steps, warmup, batch, width, size, classes, stem, threads,
  median_ms: Math.round(median(ms) * 1000) / 1000,
  rss_start_mib: mib(rss0),
  rss_warm_mib: mib(rss[warmup - 1]),
  rss_peak_mib: mib(Math.max(...rss)),
  ...(hwm !== undefined ? { rss_high_water_mib: mib(hwm) } : {}),
  rss_end_mib: mib(rss[steps - 1]),
  slope_bytes_per_step: Math.round(slope(Array.from(after, (_, i) => i), after)),
  growth_bytes_per_step: Math.round((late - early) / (n - tenth)),
  retained_warm_mib: mib(held[0][1]),
  retained_end_mib: mib(held[held.length - 1][1]),
  retained_bytes_per_step: Math.round(slope(held.map(([i]) => i), held.map(([, b]) => b))),
  retained_mib_at: held.map(([i, b]) => [i, mib(b)]),
  rss_mib_at: held.map(([i]) => [i, mib(rss[i - 1])]),
}));
