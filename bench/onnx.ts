// ONNX bench: inference time of an imported ResNet-18 (torchvision layout, full width, 224×224) on
// bitspike's kernels, beside PyTorch CPU on the same network and onnxruntime on the same file, at
// the same thread count. With a Python that has torch and onnx, the model comes from PyTorch
// (bench/py/onnx_torch.py); without, bitspike builds the same architecture and exports it itself
// (the import path is then timed alone, and the comparison line says why it is missing).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setThreads } from '../src/engine/kernels/index.js';
import { Rng } from '../src/engine/random.js';
import { BatchNorm, Conv2d, GlobalAvgPool2d, Linear, MaxPool2d, ReLU } from '../src/nn/layers.js';
import { BasicBlock } from '../src/nn/models.js';
import { Sequential, type Module } from '../src/nn/module.js';
import { exportOnnx } from '../src/onnx/export.js';
import { readOnnxFile } from '../src/onnx/io-node.js';
import { parameterCount } from '../src/onnx/model.js';
import { OnnxRunner } from '../src/onnx/runner.js';
import { emit, measure, round, type BenchContext } from './harness.js';
import { runPythonJsonLines } from './python.js';

const SIZE = 224;

/** ResNet-18 in torchvision's layout: 7×7/2 stem, 3×3/2 max pool, stages of 2 basic blocks, pool, dense 1000. */
function resnet18(rng: Rng): Module {
  const layers: Module[] = [
    new Conv2d({ inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false, rng }), new BatchNorm({ channels: 64 }), new ReLU(),
    new MaxPool2d({ kernel: 3, stride: 2, padding: 1 }),
  ];
  let c = 64;
  for (let s = 0; s < 4; s++) {
    const out = 64 * 2 ** s;
    for (let b = 0; b < 2; b++) { layers.push(new BasicBlock(c, out, b === 0 && s > 0 ? 2 : 1, rng)); c = out; }
  }
  layers.push(new GlobalAvgPool2d(), new Linear({ inFeatures: c, outFeatures: 1000, rng }));
  return new Sequential(layers).eval();
}

function hasOnnx(python: string): boolean {
  try { execFileSync(python, ['-c', 'import torch, onnx'], { stdio: 'ignore', timeout: 60_000 }); return true; } catch { return false; }
}

export async function runOnnxBench(ctx: BenchContext): Promise<void> {
  const batches = ctx.quick ? [1] : [1, 8];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-onnx-bench-'));
  try {
    const file = path.join(tmp, 'resnet18.onnx');
    let reference: Record<string, unknown>[] = [];
    let source: string;
    let note: string | undefined;
    if (ctx.python && hasOnnx(ctx.python)) {
      const env = { OMP_NUM_THREADS: String(ctx.threads), MKL_NUM_THREADS: String(ctx.threads), OPENBLAS_NUM_THREADS: String(ctx.threads) };
      reference = runPythonJsonLines(ctx.python, 'onnx_torch.py', [String(ctx.threads), file, String(SIZE), batches.join(','), ctx.quick ? '1' : '3'], env);
      source = 'torch.onnx.export';
    } else {
      fs.writeFileSync(file, exportOnnx(resnet18(new Rng(1)), { inputShape: [3, SIZE, SIZE] }));
      source = 'bitspike exportOnnx';
      note = ctx.python ? `python ${ctx.python} lacks torch or onnx: no PyTorch comparison` : 'no python with torch and onnx found (set BITSPIKE_PYTHON): no PyTorch comparison';
      console.error(`bench onnx: ${note}`);
    }
    const model = readOnnxFile(file);
    const runner = new OnnxRunner(model);
    await setThreads(ctx.threads);
    const rng = new Rng(2);
    for (const batch of batches) {
      const shape = [batch, 3, SIZE, SIZE];
      const x = Float32Array.from({ length: batch * 3 * SIZE * SIZE }, () => rng.normal(0, 1));
      runner.plan(shape, [model.outputs[0].name]);
      const r = await measure(() => runner.run(x, shape), { warmup: 1, minRuns: ctx.quick ? 2 : 3, minMs: ctx.quick ? 0 : 3000 });
      const ref = (rt: string) => reference.find((l) => l.runtime === rt && l.batch === batch)?.ms as number | undefined;
      const torchMs = ref('torch'), ortMs = ref('onnxruntime');
      emit({
        name: `onnx.resnet18_infer.b${batch}`, ...r, threads: ctx.threads, batch, input: `${SIZE}x${SIZE}`, model_from: source,
        parameters: parameterCount(model), fused_batch_norms: runner.fusedBatchNorms, img_per_s: round((batch / r.median_ms) * 1000, 2),
        ...(torchMs ? { torch_ms: round(torchMs), ratio_vs_torch: round(r.median_ms / torchMs, 3) } : { torch_ms: null, note }),
        ...(ortMs ? { onnxruntime_ms: round(ortMs), ratio_vs_onnxruntime: round(r.median_ms / ortMs, 3) } : {}),
      });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await setThreads(1);
  }
}
