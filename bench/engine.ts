// Engine benchmark: training steps (Adam lr 1e-3, train-mode batch norm) and eval-mode inference of
// the small CNN, ResNet-8 and ResNet-18 (64×64×3, the TinyImageNet backbone of the GBM study, widths
// 32 and 64), side by side with PyTorch CPU at the same thread count when torch is importable, plus
// the resident memory of a long ResNet-18 training loop.
//
// Rounds: each workload runs `rounds` rounds; in a round, for each thread count and mode, PyTorch
// (a torch_ref.py --serve process that stays up) times the twin network right before bitspike
// times its own, so both see the same machine load. ratio_vs_torch is the median of the per-round
// ratios (listed in `ratios`); median_ms and torch_ms are medians of the per-round medians, and
// scaling_2v1 (on the 2-thread line) is the median of the per-round 1-thread / 2-thread times.
//
// On a loaded machine PyTorch's OpenMP threads spin in barriers while descheduled, and its 2-thread
// times collapse several-fold; OMP_WAIT_POLICY=PASSIVE in the environment (passed on to the
// reference process, and recorded in its lines as torch_omp_wait_policy) makes them sleep instead.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from '../src/engine/index.js';
import { nn, Rng } from '../src/index.js';
import { emit, measure, round, type BenchContext, type EngineOptions } from './harness.js';
import { parameterCount, resnet18, type TorchSpec } from './models.js';
import { PythonServer } from './python.js';

interface Workload {
  name: string;
  build: (rng: Rng) => nn.Module;
  spec: TorchSpec;
  train: { warmup: number; runs: number };
  infer: { warmup: number; runs: number };
  /** Left out of --quick unless named in --workloads. */
  slow?: boolean;
}

/** ResNet-18 as in configs/gbm-tinyimagenet-b100-inc10.json, with the full TinyImageNet head (200 classes). */
const resnet18Workload = (width: number): Workload => ({
  name: `resnet18_w${width}`,
  build: (rng) => resnet18(rng, { width, classes: 200, height: 64, stem: 'imagenet' }),
  spec: { arch: 'resnet18', width, blocks: [2, 2, 2, 2], stem: 'imagenet', classes: 200, input: [64, 3, 64, 64] },
  train: { warmup: 2, runs: 3 },
  infer: { warmup: 1, runs: 3 },
  slow: true,
});

const workloads: Workload[] = [
  {
    name: 'smallCNN', build: (rng) => nn.smallCnn(rng), spec: { arch: 'smallCNN', classes: 10, input: [64, 1, 28, 28] },
    train: { warmup: 2, runs: 20 }, infer: { warmup: 1, runs: 20 },
  },
  {
    name: 'resnet8', build: (rng) => nn.resnet8(rng), spec: { arch: 'resnet8', width: 16, classes: 10, input: [64, 3, 32, 32] },
    train: { warmup: 2, runs: 8 }, infer: { warmup: 1, runs: 10 },
  },
  resnet18Workload(32),
  resnet18Workload(64),
];

/** The memory workload's name in --workloads; its line is memory.resnet18_loop. */
const MEMORY = 'memory';
export const engineWorkloads = [...workloads.map((w) => w.name), MEMORY];

type Mode = 'train' | 'infer';
interface Timing { median_ms: number; min_ms: number; max_ms: number; runs: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function runEngineBench(ctx: BenchContext): Promise<void> {
  const opts = ctx.engine ?? {};
  const rounds = opts.rounds ?? (ctx.quick ? 1 : 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`engine bench: --rounds must be an integer ≥ 1, got ${rounds}`);
  for (const n of opts.workloads ?? []) {
    if (!engineWorkloads.includes(n)) throw new Error(`engine bench: unknown workload '${n}' (known: ${engineWorkloads.join(', ')})`);
  }
  const selected = (n: string, slow = false) => (opts.workloads ? opts.workloads.includes(n) : !(ctx.quick && slow));
  const threadCounts = [...new Set([1, ctx.threads])];
  // PyTorch's OpenMP threads slow down many-fold when other processes load the cores, and --quick
  // (which must stay under two minutes) therefore compares with PyTorch on one thread only.
  const torchThreads = new Set(ctx.quick ? [1] : threadCounts);
  const timed = workloads.filter((w) => selected(w.name, w.slow));
  let torch: PythonServer | undefined;
  if (ctx.python && timed.length > 0) {
    const t = String(Math.max(...threadCounts));
    torch = new PythonServer(ctx.python, 'torch_ref.py', ['--serve'], { OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t });
    try {
      const v = await torch.request({ cmd: 'ping' });
      const wait = process.env.OMP_WAIT_POLICY ? `, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}` : '';
      console.error(`bench: engine reference: torch ${String(v.torch)}${wait}, ${rounds} round${rounds > 1 ? 's' : ''}, PyTorch at ${[...torchThreads].join(' and ')} thread(s)`);
    } catch (e) {
      console.error(`bench: engine: no PyTorch reference (${e instanceof Error ? e.message : String(e)}); ratios omitted`);
      torch.close();
      torch = undefined;
    }
  }
  try {
    for (const w of timed) await runWorkload(ctx, w, rounds, threadCounts, torchThreads, torch);
  } finally {
    torch?.close();
    await E.setThreads(1);
  }
  if (selected(MEMORY)) memoryLoop(ctx, opts);
}

async function runWorkload(ctx: BenchContext, w: Workload, rounds: number, threadCounts: number[], torchThreads: Set<number>, torch?: PythonServer): Promise<void> {
  const rng = new Rng(1);
  const model = w.build(rng);
  const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
  const x = E.randn(w.spec.input, rng);
  const batch = w.spec.input[0];
  const labels = Int32Array.from({ length: batch }, () => rng.int(w.spec.classes));
  const params = parameterCount(model);
  let torchParams: number | undefined;
  if (torch) {
    torchParams = Number((await torch.request({ cmd: 'params', spec: w.spec })).params);
    if (torchParams !== params) throw new Error(`engine bench: ${w.name} has ${params} parameters in bitspike but ${torchParams} in torch_ref.py: not the same network`);
  }
  // Each step and pass in a tidy scope, as bitspike's own training loops run them (activations in
  // kernel memory, reused from step to step).
  const step = () => E.tidy(() => {
    opt.zeroGrad();
    E.crossEntropy(model.forward(x), labels).backward();
    opt.step();
  });
  const infer = () => E.tidy(() => E.noGrad(() => model.forward(x)));

  const key = (mode: Mode, threads: number) => `${mode}/${threads}`;
  const ours = new Map<string, Timing[]>(), theirs = new Map<string, Timing[]>();
  const push = (m: Map<string, Timing[]>, k: string, t: Timing) => m.set(k, [...(m.get(k) ?? []), t]);
  for (let r = 0; r < rounds; r++) {
    for (const threads of threadCounts) {
      await E.setThreads(threads);
      for (const mode of ['train', 'infer'] as const) {
        const { warmup } = w[mode];
        const runs = ctx.quick ? Math.min(w[mode].runs, Math.max(3, w[mode].runs >> 2)) : w[mode].runs;
        if (torch && torchThreads.has(threads)) {
          const t = await torch.request({ cmd: 'time', spec: w.spec, mode, threads, warmup, runs });
          if (Number(t.threads) !== threads) throw new Error(`engine bench: torch ran on ${String(t.threads)} threads, not ${threads}`);
          push(theirs, key(mode, threads), t as unknown as Timing);
        }
        model.train(mode === 'train');
        push(ours, key(mode, threads), await measure(mode === 'train' ? step : infer, { warmup, minRuns: runs, maxRuns: runs, minMs: 0 }));
        model.train();
      }
      console.error(`bench: engine ${w.name} round ${r + 1}/${rounds}, ${threads} thread${threads > 1 ? 's' : ''}: ` +
        (['train', 'infer'] as const).map((m) => `${m} ${ours.get(key(m, threads))!.at(-1)!.median_ms} ms` +
          (theirs.has(key(m, threads)) ? ` (torch ${theirs.get(key(m, threads))!.at(-1)!.median_ms} ms)` : '')).join(', '));
    }
  }

  for (const mode of ['train', 'infer'] as const) {
    for (const threads of threadCounts) {
      const a = ours.get(key(mode, threads))!, b = theirs.get(key(mode, threads));
      const med = median(a.map((t) => t.median_ms));
      const line: Record<string, unknown> = {
        name: `${mode === 'train' ? 'train_step' : 'infer'}.${w.name}`,
        median_ms: round(med), min_ms: round(Math.min(...a.map((t) => t.min_ms))), max_ms: round(Math.max(...a.map((t) => t.max_ms))),
        runs: a.reduce((s, t) => s + t.runs, 0), rounds, threads, batch, img_per_s: round(batch / med * 1000, 0),
        rounds_ms: a.map((t) => t.median_ms),
      };
      if (b) {
        const ratios = a.map((t, i) => round(t.median_ms / b[i].median_ms, 3));
        Object.assign(line, {
          torch_ms: round(median(b.map((t) => t.median_ms))), torch_rounds_ms: b.map((t) => t.median_ms),
          ratios, ratio_vs_torch: round(median(ratios), 2),
          ...(process.env.OMP_WAIT_POLICY ? { torch_omp_wait_policy: process.env.OMP_WAIT_POLICY } : {}),
        });
      }
      if (threads > 1 && threadCounts.includes(1)) {
        const one = ours.get(key(mode, 1))!;
        const scaling = a.map((t, i) => round(one[i].median_ms / t.median_ms, 3));
        Object.assign(line, { scaling_2v1: round(median(scaling), 2), scaling_rounds: scaling });
        const oneT = theirs.get(key(mode, 1));
        if (b && oneT) Object.assign(line, { torch_scaling_2v1: round(median(b.map((t, i) => oneT[i].median_ms / t.median_ms)), 2) });
      }
      Object.assign(line, { params, ...(torchParams !== undefined ? { torch_params: torchParams } : {}) });
      emit(line as { name: string; median_ms: number; runs: number });
    }
  }
}

/** The ResNet-18 training-loop memory line, from bench/memory-loop.ts in a process of its own (its own peak RSS). */
function memoryLoop(ctx: BenchContext, opts: EngineOptions): void {
  const steps = opts.rssSteps ?? (ctx.quick ? 200 : 1000);
  const args = ['--steps', String(steps), '--warmup', String(Math.min(50, steps >> 2)), '--batch', String(opts.rssBatch ?? 8), '--width', String(opts.rssWidth ?? 16)];
  console.error(`bench: engine memory loop: node memory-loop.js ${args.join(' ')}`);
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('./memory-loop.js', import.meta.url)), ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 3_600_000,
  });
  const res = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
  emit({ name: 'memory.resnet18_loop', median_ms: Number(res.median_ms), runs: steps, ...res });
}
