// SpikeGrad: measured speed-up of the ANN-equivalent fast path over the event-driven simulation of
// the same training step (forward spikes, error spikes, weight accumulation) on the same network and
// batch. Network: the MNIST default 15C5-P2-40C5-P2-300-10 with He init (G = 8, S = 256), inputs are
// synthetic MNIST-like images (a seeded blob on a zero background), so no dataset is needed.
import { Rng } from '../src/engine/random.js';
import { buildNetworkSynapses, simulateBatch } from '../src/snn/eventSim.js';
import { fastBackward, fastForward } from '../src/snn/fastPath.js';
import { parseArchitecture, SpikeGradNetwork } from '../src/snn/network.js';
import { emit, measure, round, type BenchContext } from './harness.js';

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
}
