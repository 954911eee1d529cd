// Engine benchmark: training steps of the small CNN and ResNet-8 (batch 64, Adam) and inference,
// side by side with PyTorch CPU at the same thread count when torch is importable.
import * as E from '../src/engine/index.js';
import { nn, Rng } from '../src/index.js';
import { emit, measure, round, type BenchContext } from './harness.js';
import { runPythonJsonLines } from './python.js';

interface Workload { name: 'smallCNN' | 'resnet8'; build: (rng: Rng) => nn.Module; input: number[]; steps: number }

const workloads: Workload[] = [
  { name: 'smallCNN', build: (rng) => nn.smallCnn(rng), input: [64, 1, 28, 28], steps: 20 },
  { name: 'resnet8', build: (rng) => nn.resnet8(rng), input: [64, 3, 32, 32], steps: 6 },
];

export async function runEngineBench(ctx: BenchContext): Promise<void> {
  const torch = new Map<string, Record<string, unknown>>();
  if (ctx.python) {
    const env = { OMP_NUM_THREADS: String(ctx.threads), OPENBLAS_NUM_THREADS: String(ctx.threads), MKL_NUM_THREADS: String(ctx.threads) };
    for (const line of runPythonJsonLines(ctx.python, 'torch_ref.py', [String(ctx.threads)], env)) {
      const k = String(line.kernel);
      if (k.startsWith('torch train step ')) torch.set(k.slice('torch train step '.length), line);
    }
  }
  for (const threads of [...new Set([1, ctx.threads])]) {
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
      const ref = threads === ctx.threads ? torch.get(w.name) : undefined;
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
