// Engine benchmark: training steps of the small CNN and ResNet-8 (batch 64, Adam) and inference,
// side by side with PyTorch CPU at the same thread count when torch is importable. For each thread
// count the PyTorch reference runs right before bitspike, so both see the same machine load (the
// ratios are what to compare on a shared, noisy machine).
import * as E from '../src/engine/index.js';
import { nn, Rng } from '../src/index.js';
import { emit, measure, round, type BenchContext } from './harness.js';
import { runPythonJsonLines } from './python.js';

interface Workload { name: 'smallCNN' | 'resnet8'; build: (rng: Rng) => nn.Module; input: number[]; steps: number }

const workloads: Workload[] = [
  { name: 'smallCNN', build: (rng) => nn.smallCnn(rng), input: [64, 1, 28, 28], steps: 20 },
  { name: 'resnet8', build: (rng) => nn.resnet8(rng), input: [64, 3, 32, 32], steps: 6 },
];

/** PyTorch step and inference times per workload at `threads`, or an empty map without torch. */
function torchReference(ctx: BenchContext, threads: number): Map<string, Record<string, unknown>> {
  const torch = new Map<string, Record<string, unknown>>();
  if (!ctx.python) return torch;
  const t = String(threads);
  const env = { OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t };
  for (const line of runPythonJsonLines(ctx.python, 'torch_ref.py', [t], env)) {
    const k = String(line.kernel);
    if (k.startsWith('torch train step ')) torch.set(k.slice('torch train step '.length), line);
  }
  return torch;
}

export async function runEngineBench(ctx: BenchContext): Promise<void> {
  // The reference script takes ~15 s a run on a quiet machine, and PyTorch's OpenMP threads slow
  // down many-fold when other processes load the cores; --quick (which must stay under two
  // minutes) therefore compares with PyTorch on one thread only.
  const withTorch = new Set(ctx.quick ? [1] : [1, ctx.threads]);
  for (const threads of [...new Set([1, ctx.threads])]) {
    const torch = withTorch.has(threads) ? torchReference(ctx, threads) : new Map<string, Record<string, unknown>>();
    await E.setThreads(threads);
    for (const w of workloads) {
      const rng = new Rng(1);
      const model = w.build(rng);
      const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
      const x = E.randn(w.input, rng);
      const labels = Int32Array.from({ length: w.input[0] }, () => rng.int(10));
      const step = () => {
        opt.zeroGrad();
        E.crossEntropy(model.forward(x), labels).backward();
        opt.step();
      };
      const steps = ctx.quick ? Math.max(3, w.steps >> 2) : w.steps;
      const t = await measure(step, { warmup: 2, minRuns: steps, maxRuns: steps, minMs: 0 });
      const ref = torch.get(w.name);
      const refMs = ref ? Number(ref.stepMs) : undefined;
      emit({
        name: `train_step.${w.name}`, ...t, threads, batch: w.input[0], img_per_s: round(w.input[0] / t.median_ms * 1000, 0),
        ...(refMs ? { torch_ms: refMs, ratio_vs_torch: round(t.median_ms / refMs, 2) } : {}),
      });
      model.eval();
      const inf = await measure(() => E.noGrad(() => model.forward(x)), { warmup: 1, minRuns: ctx.quick ? 3 : 10, minMs: ctx.quick ? 0 : 1000 });
      const refInf = ref ? Number(ref.inferMs) : undefined;
      emit({
        name: `infer.${w.name}`, ...inf, threads, batch: w.input[0], img_per_s: round(w.input[0] / inf.median_ms * 1000, 0),
        ...(refInf ? { torch_ms: refInf, ratio_vs_torch: round(inf.median_ms / refInf, 2) } : {}),
      });
    }
  }
  await E.setThreads(1);
}
