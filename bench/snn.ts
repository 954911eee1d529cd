// SpikeGrad: measured speed-up of the ANN-equivalent fast path over the event-driven simulation of
// the same training step (forward spikes, error spikes, weight accumulation) on the same network and
// batch. Network: the MNIST default 15C5-P2-40C5-P2-300-10 with He init (G = 8, S = 256), inputs are
// synthetic MNIST-like images (a seeded blob on a zero background), so no dataset is needed.
// Then the CIFAR-10 network of docs/results/spikegrad.md: a whole training step (fast path, counters,
// Adam) of 64 random images, and its forward + backward with fresh arrays against reused ones
// (StepArrays), timed call by call in alternation.
import { Rng } from '../src/engine/random.js';
import { buildNetworkSynapses, simulateBatch } from '../src/snn/eventSim.js';
import { fastBackward, fastForward } from '../src/snn/fastPath.js';
import { parseArchitecture, SpikeGradNetwork } from '../src/snn/network.js';
import { ReusedStepArrays } from '../src/snn/stepArrays.js';
import { DEFAULT_TRAIN, SpikeGradTrainer } from '../src/snn/train.js';
import { emit, measure, measurePaired, round, type BenchContext } from './harness.js';

function syntheticDigits(n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n * 784);
  for (let b = 0; b < n; b++) {
    const cy = 10 + rng.int(8), cx = 10 + rng.int(8), r = 4 + rng.int(4);
    for (let y = 0; y < 28; y++) for (let xx = 0; xx < 28; xx++) {
      const d = Math.hypot(y - cy, xx - cx);
      if (Math.abs(d - r) < 1.5) x[b * 784 + y * 28 + xx] = Math.min(1, 1.6 - Math.abs(d - r));
    }
  }
  return x;
}

export async function runSnnBench(ctx: BenchContext): Promise<void> {
  const rng = new Rng(42);
  const arch = '15C5-P2-40C5-P2-300-10';
  const net = SpikeGradNetwork.create([1, 28, 28], parseArchitecture(arch), { gain: 8, errorScale: 256 }, rng.split());
  const n = ctx.quick ? 4 : 16;
  const x = syntheticDigits(n, rng);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const syn = buildNetworkSynapses(net);
  const event = await measure(() => simulateBatch(net, syn, x, labels, n, { inputTicks: 8 }), { warmup: 1, minRuns: ctx.quick ? 1 : 3, minMs: 0 });
  const fast = await measure(() => fastBackward(net, fastForward(net, x, n), labels), { warmup: 2, minRuns: 5, minMs: ctx.quick ? 200 : 1000 });
  const sim = simulateBatch(net, syn, x, labels, n, { inputTicks: 8 });
  const c = sim.counters;
  const fwdEvents = c.inputEvents + c.layers.reduce((a, l) => a + l.synapticEvents, 0);
  const bwdEvents = c.layers.reduce((a, l) => a + l.errorSynapticEvents + l.updateEvents, 0);
  emit({ name: `snn/event-driven training step ${arch} batch ${n}`, ...event, forward_events_per_example: round(fwdEvents / n, 0), backward_and_update_events_per_example: round(bwdEvents / n, 0) });
  emit({ name: `snn/fast path training step ${arch} batch ${n}`, ...fast, threads: ctx.threads });
  emit({ name: `snn/fast-path speed-up over event-driven ${arch} batch ${n}`, median_ms: fast.median_ms, runs: fast.runs, speedup: round(event.median_ms / fast.median_ms, 1) });
  await runCifarStepBench(ctx, rng);
}

async function runCifarStepBench(ctx: BenchContext, rng: Rng): Promise<void> {
  const arch = '32C3p1-32C3p1-P2-64C3p1-64C3p1-P2-128C3p1-128C3p1-P2-256-10';
  const net = SpikeGradNetwork.create([3, 32, 32], parseArchitecture(arch), { gain: 32, errorScale: 256, temperature: 4, outputErrors: 'zero-sum' }, rng.split());
  const n = 64, x = new Float32Array(n * net.inputSize);
  for (let i = 0; i < x.length; i++) x[i] = rng.float();
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const trainer = new SpikeGradTrainer(net, { ...DEFAULT_TRAIN, batchSize: n }, 1);
  const step = await measure(() => trainer.step(x, labels, n), { warmup: 1, minRuns: ctx.quick ? 2 : 5, minMs: 0 });
  emit({ name: `snn/training step ${arch} batch ${n}`, ...step, threads: ctx.threads });
  const arrays = new ReusedStepArrays();
  const paired = await measurePaired(
    () => fastBackward(net, fastForward(net, x, n), labels),
    () => fastBackward(net, fastForward(net, x, n, arrays), labels, arrays),
    { warmup: 1, pairs: ctx.quick ? 3 : 9 });
  emit({ name: `snn/fast path fresh vs reused arrays ${arch} batch ${n}`, median_ms: paired.b_ms, runs: paired.pairs, fresh_ms: paired.a_ms, speedup: paired.ratio, threads: ctx.threads });
}
