// SpikeGradTrainer's learning-rate warm-up: the k-th optimizer step uses k/W of the scheduled rate,
// the schedule's rate is left as it was, a restored trainer continues the ramp, and bad settings
// get clear errors. Its weight decay: AdamW's decoupled shrink or SGD's L2 term, exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { parseArchitecture, SpikeGradNetwork } from '../../src/snn/network.js';
import { DEFAULT_TRAIN, optimizeFromCounts, SpikeGradTrainer, type TrainConfig } from '../../src/snn/train.js';

function setup(seed: number) {
  const net = SpikeGradNetwork.create([1, 4, 4], parseArchitecture('12-3'), { gain: 8, errorScale: 64 }, new Rng(seed));
  const rng = new Rng(seed + 1), n = 8;
  const x = new Float32Array(n * 16), labels = new Int32Array(n);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(5) / 4;
  for (let b = 0; b < n; b++) labels[b] = b % 3;
  return { net, x, labels, n };
}

/** The learning rate each optimizer step of `trainer` ran with. */
function recordRates(trainer: SpikeGradTrainer): number[] {
  const rates: number[] = [];
  const opt = trainer.optimizer as NonNullable<SpikeGradTrainer['optimizer']>;
  const step = opt.step.bind(opt);
  opt.step = () => { rates.push(opt.lr); step(); };
  return rates;
}

test('warm-up: step k runs at k/W of the scheduled rate, resumes mid-ramp, and rejects bad settings', () => {
  const L = 0.5;
  const cfg: TrainConfig = { ...DEFAULT_TRAIN, optimizer: 'sgd', lr: L, schedule: 'none', warmupSteps: 4 };
  const { net, x, labels, n } = setup(3);
  const a = new SpikeGradTrainer(net.clone(), cfg, 1);
  const rates = recordRates(a);
  for (let k = 0; k < 6; k++) a.step(x, labels, n);
  assert.deepEqual(rates, [L / 4, L / 2, 3 * L / 4, L, L, L]);
  assert.equal(a.optimizer?.lr, L, 'the scheduled rate is left in place');
  // The first warm-up step equals a plain step at a quarter of the rate, bit for bit (L/4 is exact).
  const b = new SpikeGradTrainer(net.clone(), { ...cfg, lr: L / 4, warmupSteps: 0 }, 1);
  const c = new SpikeGradTrainer(net.clone(), cfg, 1);
  b.step(x, labels, n); c.step(x, labels, n);
  assert.deepEqual(c.net.weights.map((w) => Array.from(w.f32)), b.net.weights.map((w) => Array.from(w.f32)));
  assert.ok(c.net.weights.some((w, i) => w.f32.some((v, j) => v !== net.weights[i].f32[j])), 'the step changed the weights');
  // A trainer restored after two steps continues the ramp at 3/4.
  const d = new SpikeGradTrainer(c.net.clone(), cfg, 1);
  c.step(x, labels, n);
  d.loadState(c.state());
  const resumed = recordRates(d);
  d.step(x, labels, n); d.step(x, labels, n);
  assert.deepEqual(resumed, [3 * L / 4, L]);
  assert.throws(() => new SpikeGradTrainer(net.clone(), { ...cfg, warmupSteps: -1 }, 1), /warmupSteps must be an integer ≥ 0, got -1/);
  assert.throws(() => new SpikeGradTrainer(net.clone(), { ...cfg, warmupSteps: 2.5 }, 1), /warmupSteps must be an integer ≥ 0, got 2.5/);
  assert.throws(() => new SpikeGradTrainer(net.clone(), { ...cfg, update: 'accumulate' }, 1), /warmupSteps applies to the float optimizer only/);
});

test('weight decay: Adam becomes AdamW (W·(1 − lr·wd) on a zero gradient), SGD adds wd·W; 0 keeps plain Adam', () => {
  const { net } = setup(4);
  const zero = net.weights.map((w) => new Float32Array(w.size));
  const lr = 0.01, wd = 0.5;
  const adamw = new SpikeGradTrainer(net.clone(), { ...DEFAULT_TRAIN, lr, schedule: 'none', weightDecay: wd }, 1);
  assert.equal(adamw.optimizer?.type, 'adamw');
  optimizeFromCounts(adamw.net, adamw.optimizer!, zero, 8);
  adamw.net.weights.forEach((w, i) => assert.deepEqual(Array.from(w.f32), Array.from(net.weights[i].f32, (v) => Math.fround(v * (1 - lr * wd))), `AdamW weights ${i}`));
  const sgd = new SpikeGradTrainer(net.clone(), { ...DEFAULT_TRAIN, optimizer: 'sgd', lr, schedule: 'none', weightDecay: wd }, 1);
  optimizeFromCounts(sgd.net, sgd.optimizer!, zero, 8);
  sgd.net.weights.forEach((w, i) => assert.deepEqual(Array.from(w.f32), Array.from(net.weights[i].f32, (v) => Math.fround(v - lr * Math.fround(wd * v))), `SGD weights ${i}`));
  assert.equal(new SpikeGradTrainer(net.clone(), DEFAULT_TRAIN, 1).optimizer?.type, 'adam', 'no decay: plain Adam, as before');
  assert.throws(() => new SpikeGradTrainer(net.clone(), { ...DEFAULT_TRAIN, weightDecay: -1 }, 1), /weightDecay must be a number ≥ 0, got -1/);
  assert.throws(() => new SpikeGradTrainer(net.clone(), { ...DEFAULT_TRAIN, weightDecay: 0.1, update: 'accumulate' }, 1), /weightDecay applies to the float optimizer only/);
});
