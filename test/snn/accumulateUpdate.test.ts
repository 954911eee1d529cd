// The accumulate-only integer update (docs/methods-snn.md §16) on a worked example computed by hand:
// register values, residuals and operation counts are exact integers. Then the trainer in accumulate
// mode: weights stay on the 2^−F grid, and a saved state resumes bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { AccumulateUpdater } from '../../src/snn/accumulateUpdate.js';
import { fastBackwardFrom, fastForward } from '../../src/snn/fastPath.js';
import { SpikeGradNetwork } from '../../src/snn/network.js';
import { SpikeGradTrainer, type TrainConfig } from '../../src/snn/train.js';

/** 3 rate-coded inputs → 2 IF neurons → 2 integrators; weights given as registers q with F = 4 (weight = q/16). */
function workedNetwork(): SpikeGradNetwork {
  const w1 = new Tensor(Float32Array.from([8, -4, 16, 12, 4, -8], (q) => q / 16), [2, 3], true);
  const w2 = new Tensor(Float32Array.from([16, -8, 8, 8], (q) => q / 16), [2, 2], true);
  return new SpikeGradNetwork([1, 1, 3], [{ kind: 'dense', units: 2 }, { kind: 'dense', units: 2 }], { gain: 4, input: 'rate', thetaFf: 1, thetaBp: 1 }, [w1, w2]);
}

test('worked example: error spikes × counts accumulate, threshold 2^k, shift, residual carries (exact integers)', () => {
  const net = workedNetwork();
  const up = new AccumulateUpdater(net, { weightBits: 8, fracBits: 4, shift: 2, inputFracBits: 0 });
  assert.deepEqual(Array.from(up.q[0]), [8, -4, 16, 12, 4, -8]);
  // x = (0.5, 1, 0.25), G = 4, rate input: trace ⌊G·x⌋ = (2, 4, 1).
  const fwd = fastForward(net, Float32Array.from([0.5, 1, 0.25]), 1);
  assert.deepEqual(Array.from(fwd.input), [2, 4, 1]);
  // I¹ = (0.5·2 − 0.25·4 + 1·1, 0.75·2 + 0.25·4 − 0.5·1) = (1, 2) → counts (1, 2); logits (1·1 − 0.5·2, 0.5·1 + 0.5·2) = (0, 1.5).
  assert.deepEqual(Array.from(fwd.counts[0]), [1, 2]);
  assert.deepEqual(Array.from(fwd.logits), [0, 1.5]);
  // Output error counts E² = (3, −2); hidden E¹ = trunc(W²ᵀE²) = trunc(3 − 1, −1.5 − 1) = (2, −2).
  const bwd = fastBackwardFrom(net, fwd, Float32Array.from([3, -2]));
  assert.deepEqual(Array.from(bwd.errors[0] as Float32Array), [2, -2]);
  up.accumulate(fwd, bwd);
  up.apply();
  // Accumulators A² = E² ⊗ c = [[3, 6], [−2, −4]], A¹ = E¹ ⊗ trace = [[4, 8, 2], [−4, −8, −2]]; threshold 2² = 4:
  // |3| < 4 stays as residual; 6 → one LSB down, residual 2; −4 → one LSB up, residual 0; 8 → two LSBs down.
  assert.deepEqual(Array.from(up.q[1]), [16, -9, 8, 9]);
  assert.deepEqual(Array.from(up.residual[1]), [3, 2, -2, 0]);
  assert.deepEqual(Array.from(up.q[0]), [7, -6, 16, 13, 6, -8]);
  assert.deepEqual(Array.from(up.residual[0]), [0, 0, 2, 0, 0, -2]);
  // The float view the kernels read is exactly q/16.
  assert.deepEqual(Array.from(net.weights[1].f32), [1, -9 / 16, 0.5, 9 / 16]);
  // Operations: Σ|E|·fan-in = (3 + 2)·2 + (2 + 2)·3 = 22 accumulations; 10 touched synapses each add
  // and compare once; 6 of them step (two shifts, two additions, two saturation comparisons each).
  assert.deepEqual(up.ops, { examples: 1, accumulations: 22, registerAdditions: 10 + 12, comparisons: 10 + 12, shifts: 12, weightSteps: 6, multiplications: 0 });

  // The same accumulators again: residual 3 + 3 = 6 now crosses the threshold (sub-LSB gradient is kept).
  up.accumulate(fwd, bwd);
  up.apply();
  assert.deepEqual(Array.from(up.q[1]), [15, -11, 9, 10]);
  assert.deepEqual(Array.from(up.residual[1]), [2, 0, 0, 0]);
  assert.deepEqual(Array.from(up.q[0]), [6, -8, 15, 14, 8, -7]);
  assert.deepEqual(Array.from(up.residual[0]), [0, 0, 0, 0, 0, 0]);
});

test('registers saturate at the stated width; analog layer-1 traces are fixed point with a matching extra shift', () => {
  const net = workedNetwork();
  // 5-bit registers hold −16..15: the initial 16 saturates to 15.
  const up = new AccumulateUpdater(net, { weightBits: 5, fracBits: 4, shift: 0, inputFracBits: 0 });
  assert.deepEqual(Array.from(up.q[0]), [8, -4, 15, 12, 4, -8]);
  const fwd = fastForward(net, Float32Array.from([0.5, 1, 0.25]), 1);
  up.accumulate(fwd, fastBackwardFrom(net, fwd, Float32Array.from([-40, 0])));
  up.apply();
  // With w¹₀₂ = 15/16 the first hidden neuron gets I = 0.9375 and stays silent, so output row 0
  // accumulates −40·(0, 2): shift 0 moves its second weight 80 LSBs up, clamped at 15.
  assert.deepEqual(Array.from(up.q[1]), [15, 15, 8, 8]);

  // Analog input, G = 4, x = (0.5, 1, 0.25): trace G·x = (2, 4, 1) carried with 2 fractional bits = (8, 16, 4);
  // layer 1's shift grows by 2, so a hidden error of 1 on (2, 4, 1) moves weights as the rate trace would.
  const analog = new SpikeGradNetwork([1, 1, 3], net.specs, { ...net.config, input: 'analog' }, workedNetwork().weights.map((w) => new Tensor(w.f32.slice(), w.shape, true)));
  const ua = new AccumulateUpdater(analog, { weightBits: 8, fracBits: 4, shift: 1, inputFracBits: 2 });
  const fa = fastForward(analog, Float32Array.from([0.5, 1, 0.25]), 1);
  const ba = fastBackwardFrom(analog, fa, Float32Array.from([3, -2]));
  ua.accumulate(fa, ba);
  ua.apply();
  // A¹ = (2, −2) ⊗ (8, 16, 4) = [[16, 32, 8], [−16, −32, −8]], threshold 2^(1+2) = 8: steps 2, 4, 1.
  assert.deepEqual(Array.from(ua.q[0]), [6, -8, 15, 14, 8, -7]);
  assert.deepEqual(Array.from(ua.residual[0]), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => new AccumulateUpdater(net, { weightBits: 8, fracBits: 8 }), /fracBits must be an integer in \[0, 7\]/);
});

test('trainer in accumulate mode: weights stay on the 2^−F grid, no optimizer, and a saved state resumes bit for bit', () => {
  const rng = new Rng(11);
  const make = () => SpikeGradNetwork.create([1, 6, 6], [{ kind: 'conv', channels: 3, kernel: 3 }, { kind: 'pool', size: 2 }, { kind: 'dense', units: 3 }], { gain: 8, errorScale: 64 }, new Rng(4));
  const cfg: TrainConfig = { optimizer: 'adam', lr: 1e-3, momentum: 0.9, batchSize: 8, epochs: 3, schedule: 'cosine', inputTicks: 8, update: 'accumulate', accumulate: { fracBits: 10, shift: 4 } };
  const n = 32, x = new Float32Array(n * 36), labels = new Int32Array(n);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(5) / 4;
  for (let i = 0; i < n; i++) labels[i] = rng.int(3);
  const data = { x, labels, n };
  const a = new SpikeGradTrainer(make(), cfg, 9);
  assert.equal(a.optimizer, null);
  a.trainEpoch(data);
  const saved = JSON.parse(JSON.stringify(a.state()));
  const netState = a.net.state();
  a.trainEpoch(data);
  const b = new SpikeGradTrainer(SpikeGradNetwork.fromState(netState), cfg, 9);
  b.loadState(saved);
  b.trainEpoch(data);
  assert.ok(a.accumulator!.ops.accumulations > 0, 'error spikes flowed');
  assert.ok(a.accumulator!.ops.weightSteps > 0, 'weights moved');
  a.net.weights.forEach((w, i) => {
    assert.deepEqual(w.f32, b.net.weights[i].f32, `weight ${i} after resume`);
    for (const v of w.f32) assert.ok(Number.isInteger(v * 1024), `weight ${v} is not a multiple of 2^−10`);
  });
  // Epoch 2 of a 3-epoch cosine: factor (1 + cos(π/3))/2 = 0.75 → extra shift round(log₂(4/3)) = 0.
  assert.equal(a.accumulator!.extraShift, 0);
  assert.throws(() => b.loadState({ ...saved, accumulate: undefined }), /no accumulate-update registers/);
});
