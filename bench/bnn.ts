// BNN benchmark: images/s of FBNN inference three ways on the same architecture and batch —
// bitspike's packed XNOR-popcount engine (uint8 images in, thermometer bits, bgemm), bitspike's
// float simulation, and PyTorch CPU float inference (bench/py/bnn_torch.py) at the same thread
// count. ratio_vs_torch = packed ms / torch ms (below 0.5 meets the issue's ≥ 2× goal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setThreads } from '../src/engine/kernels/index.js';
import { Rng } from '../src/engine/random.js';
import { noGrad } from '../src/engine/tensor.js';
import { BinaryNet, type BinaryNetSpec } from '../src/bnn/binaryNet.js';
import { FBNN_PRESETS } from '../src/bnn/fbnnLayout.js';
import { deploy } from '../src/bnn/deploy.js';
import { PackedNet } from '../src/bnn/packedInference.js';
import { imageBytes } from '../src/bnn/inputEncoding.js';
import { summarizeDeployed } from '../src/bnn/summary.js';
import { encodeModel, payloadBytes } from '../src/bnn/format.js';
import { emit, measure, round, type BenchContext } from './harness.js';
import { runPythonJsonLines } from './python.js';

interface Workload { name: string; spec: BinaryNetSpec; batch: number }

const workloads: Workload[] = [
  { name: 'fashion-small', spec: FBNN_PRESETS['fashion-small']({ height: 28, width: 28, channels: 1, levels: 8 }, 10), batch: 64 },
  { name: 'fashion-wide', spec: FBNN_PRESETS['fashion-wide']({ height: 28, width: 28, channels: 1, levels: 8 }, 10), batch: 64 },
  { name: 'iscas-0.75-cifar10', spec: FBNN_PRESETS['iscas-0.75']({ height: 32, width: 32, channels: 3, levels: 32 }, 10), batch: 32 },
];

export async function runBnnBench(ctx: BenchContext): Promise<void> {
  await setThreads(ctx.threads);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-bnn-bench-'));
  try {
    for (const w of workloads) {
      const rng = new Rng(1);
      const net = new BinaryNet(w.spec, rng).eval();
      const model = deploy(net);
      const packed = new PackedNet(model);
      const bytes = imageBytes(w.spec.input);
      const images = new Uint8Array(w.batch * bytes);
      for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
      const opts = { warmup: 1, minRuns: ctx.quick ? 3 : 5, minMs: ctx.quick ? 0 : 1500 };
      const p = await measure(() => packed.predict(images, w.batch, w.batch), opts);
      const f = await measure(() => noGrad(() => net.scores(net.encode(images, w.batch))), { ...opts, minRuns: ctx.quick ? 2 : 3 });
      let torchMs: number | undefined;
      if (ctx.python) {
        const specFile = path.join(tmp, `${w.name}.json`);
        fs.writeFileSync(specFile, JSON.stringify(w.spec));
        const env = { OMP_NUM_THREADS: String(ctx.threads), MKL_NUM_THREADS: String(ctx.threads), OPENBLAS_NUM_THREADS: String(ctx.threads) };
        const line = runPythonJsonLines(ctx.python, 'bnn_torch.py', [String(ctx.threads), String(w.batch), specFile, w.name], env)[0];
        torchMs = line ? Number(line.ms) : undefined;
      }
      const s = summarizeDeployed(model);
      const ips = (ms: number) => round((w.batch / ms) * 1000, 0);
      emit({
        name: `bnn.packed_infer.${w.name}`, ...p, threads: ctx.threads, batch: w.batch, img_per_s: ips(p.median_ms),
        float_sim_ms: f.median_ms, float_sim_img_per_s: ips(f.median_ms), speedup_vs_float_sim: round(f.median_ms / p.median_ms, 2),
        ...(torchMs ? { torch_ms: torchMs, torch_img_per_s: ips(torchMs), ratio_vs_torch: round(p.median_ms / torchMs, 3) } : {}),
        binary_weights: s.params[1], model_bits: s.totalBits,
        bits_per_binary_weight: (8 * payloadBytes(encodeModel(model)) - 32 * (s.params[32] ?? 0)) / s.params[1],
      });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await setThreads(1);
  }
}
