// Network-level properties: termination bound (§9 #6), the scale relation to the float gradient
// (§9 #9), the plain quantiser's ±1 deviation inside a network (§9 #3), counters, topology parsing,
// state round-trips and input validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { emptyCounters, fastPathCounters, networkFans } from '../../src/snn/counters.js';
import { buildNetworkSynapses, simulateBatch, simulateExample } from '../../src/snn/eventSim.js';
import { fastBackward, fastForward, outputErrors } from '../../src/snn/fastPath.js';
import { DEFAULT_CONFIG, parseArchitecture, SpikeGradNetwork } from '../../src/snn/network.js';
import { labelErrorCurrent, meanCrossEntropy, outputErrorCurrent } from '../../src/snn/outputError.js';
import { randomCase } from './helpers.js';

test('ticks to forward quiescence stay within T_in + Σ_l max_i(c_i + negatives_i) (+1 per pool stage)', () => {
  const ticks: number[] = [];
  for (let s = 0; s < 40; s++) {
    const cs = randomCase(6000 + s, s % 2 ? 'conv' : 'mlp');
    const sim = simulateBatch(cs.net, buildNetworkSynapses(cs.net), cs.x, cs.labels, cs.n, { inputTicks: cs.inputTicks });
    for (const tr of sim.traces) {
      let bound = cs.inputTicks;
      cs.net.layers.forEach((l, li) => {
        if (l.isOutput) return;
        let m = 0;
        for (let i = 0; i < l.size; i++) m = Math.max(m, tr.counts[li][i] + tr.negatives[li][i]);
        bound += m;
      });
      // One extra tick observes that nothing spiked.
      assert.ok(tr.ticksForward <= bound + 1, `${cs.description}: ${tr.ticksForward} ticks > bound ${bound + 1}`);
      ticks.push(tr.ticksForward);
    }
  }
  const mean = ticks.reduce((a, b) => a + b, 0) / ticks.length;
  console.log(`forward ticks to quiescence: mean ${mean.toFixed(1)}, max ${Math.max(...ticks)} over ${ticks.length} examples`);
});

/** Float oracle: gradient of softmax-CE w.r.t. the weights of the floor-ReLU MLP with the straight-through derivative. */
function floatGradient(net: SpikeGradNetwork, x: Float32Array, label: number): Float64Array[] {
  const fwd = fastForward(net, x, 1);
  const acts = [fwd.input, ...fwd.counts];
  const L = net.layers.length;
  const K = net.numClasses;
  const logits = Array.from(fwd.logits), max = Math.max(...logits);
  const ex = logits.map((v) => Math.exp(v - max)), sum = ex.reduce((a, b) => a + b, 0);
  let delta = Float64Array.from(ex.map((v, k) => v / sum - (k === label ? 1 : 0)));
  const grads: Float64Array[] = [];
  for (let li = L - 1; li >= 0; li--) {
    const w = net.weights[li].f32, nIn = acts[li].length, nOut = net.layers[li].size;
    const g = new Float64Array(nOut * nIn);
    for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) g[i * nIn + j] = delta[i] * acts[li][j];
    grads[li] = g;
    if (li === 0) break;
    const below = new Float64Array(nIn), gate = fwd.gates[li - 1] as Uint8Array;
    for (let j = 0; j < nIn; j++) {
      let s = 0;
      for (let i = 0; i < nOut; i++) s += w[i * nIn + j] * delta[i];
      below[j] = gate[j] ? s / net.config.thetaFf : 0;
    }
    delta = below;
  }
  void K;
  return grads;
}

test('scale relation: (Θ_bp/S)·ΣE⊗c approaches the float straight-through gradient as S grows', () => {
  const rng = new Rng(3);
  const errors: number[] = [];
  for (const S of [4, 64, 1024, 16384]) {
    let num = 0, den = 0;
    for (let s = 0; s < 6; s++) {
      const net = SpikeGradNetwork.create([1, 4, 4], parseArchitecture('12-8-3'), { gain: 8, errorScale: S }, new Rng(100 + s), { meanNorm: 1 });
      const x = new Float32Array(16).map(() => rng.float());
      const label = s % 3;
      const bwd = fastBackward(net, fastForward(net, x, 1), [label]);
      const oracle = floatGradient(net, x, label);
      bwd.rawGradients.forEach((r, i) => r.forEach((v, j) => { num += (v / S - oracle[i][j]) ** 2; den += oracle[i][j] ** 2; }));
    }
    errors.push(Math.sqrt(num / den));
  }
  console.log(`relative gradient error for S = 4, 64, 1024, 16384: ${errors.map((e) => e.toFixed(4)).join(', ')}`);
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `error did not shrink: ${errors}`);
  assert.ok(errors[errors.length - 1] < 0.01, `with S = 16384 the relative error is ${errors[errors.length - 1]}`);
});

test('plain error quantiser in a network: each layer within ±1 of trunc of its own input; mismatch rate logged', () => {
  let neurons = 0, mismatches = 0;
  for (let s = 0; s < 40; s++) {
    const cs = randomCase(7000 + s, 'mlp', { quantiser: 'plain' });
    const { net } = cs;
    const rng = new Rng(s);
    const sim = simulateBatch(net, buildNetworkSynapses(net), cs.x, cs.labels, cs.n, { inputTicks: cs.inputTicks, shuffle: true, maxDelay: 2, rng });
    for (const tr of sim.traces) {
      for (let li = net.layers.length - 2; li >= 0; li--) {
        const w = net.weights[li + 1].f32, up = tr.errors[li + 1] as Int32Array, gate = tr.gates[li] as Uint8Array;
        const size = net.layers[li].size;
        for (let i = 0; i < size; i++) {
          let X = 0;
          for (let k = 0; k < up.length; k++) X += w[k * size + i] * up[k];
          const exact = gate[i] ? Math.trunc(X / net.config.thetaBp) : 0;
          const e = (tr.errors[li] as Int32Array)[i];
          assert.ok(Math.abs(e - exact) <= 1, `${cs.description}: plain error ${e} vs trunc ${exact}`);
          neurons++;
          if (e !== exact) mismatches++;
        }
      }
    }
  }
  console.log(`plain quantiser mismatch rate: ${mismatches}/${neurons}`);
});

test('counters: event-driven spikes = net counts + 2·correction spikes; fast-path counters match net activity', () => {
  for (let s = 0; s < 10; s++) {
    const cs = randomCase(8000 + s, s % 2 ? 'conv' : 'mlp');
    const { net } = cs;
    const sim = simulateBatch(net, buildNetworkSynapses(net), cs.x, cs.labels, cs.n, { inputTicks: cs.inputTicks });
    const fwd = fastForward(net, cs.x, cs.n), bwd = fastBackward(net, fwd, cs.labels);
    const fast = fastPathCounters(net, networkFans(net), fwd, bwd, cs.inputTicks);
    net.layers.forEach((l, li) => {
      const ev = sim.counters.layers[li], fa = fast.layers[li];
      if (l.isOutput) { assert.equal(ev.spikes, 0); return; }
      assert.equal(ev.spikes, fa.spikes + 2 * ev.negativeSpikes, `${cs.description} layer ${li}: spikes`);
      assert.equal(ev.activeNeurons, fa.activeNeurons, `${cs.description} layer ${li}: active neurons`);
      assert.ok(ev.synapticEvents >= fa.synapticEvents);
      if (!l.pool) {
        assert.ok(ev.errorSpikes >= fa.errorSpikes);
        assert.equal(ev.errorNeurons, fa.errorNeurons);
      }
    });
    assert.equal(sim.counters.inputEvents, fast.inputEvents, `${cs.description}: input events`);
    assert.equal(sim.counters.examples, cs.n);
  }
});

test('architecture shorthand, state round-trip and clear errors for bad input', () => {
  assert.deepEqual(parseArchitecture('15C5-P2-40C5s2p2-300-10'), [
    { kind: 'conv', channels: 15, kernel: 5, stride: 1, padding: 0 }, { kind: 'pool', size: 2 },
    { kind: 'conv', channels: 40, kernel: 5, stride: 2, padding: 2 }, { kind: 'dense', units: 300 }, { kind: 'dense', units: 10 },
  ]);
  assert.throws(() => parseArchitecture('15C5-X2-10'), /part 2 'X2'/);
  assert.throws(() => SpikeGradNetwork.create([1, 8, 8], parseArchitecture('4C3-P2'), {}, new Rng(1)), /last layer must be dense/);
  assert.throws(() => SpikeGradNetwork.create([1, 8, 8], parseArchitecture('P2-10'), {}, new Rng(1)), /max-pooling must follow a spiking conv layer/);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('4C7-10'), {}, new Rng(1)), /kernel 7 does not fit input 4×4/);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { errorScale: 0 }, new Rng(1)), /errorScale must be a positive number/);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { gate: 'x' as 'input' }, new Rng(1)), /gate must be one of input, count/);
  const net = SpikeGradNetwork.create([1, 8, 8], parseArchitecture('3C3-P2-5-4'), { gain: 4 }, new Rng(2));
  const back = SpikeGradNetwork.fromState(JSON.parse(JSON.stringify(net.state())));
  back.weights.forEach((w, i) => assert.deepEqual(w.f32, net.weights[i].f32));
  assert.equal(back.config.gain, 4);
  assert.throws(() => SpikeGradNetwork.fromState({ ...net.state(), weights: [] }), /expected 3 weight arrays/);
  assert.throws(() => fastForward(net, new Float32Array(10), 1), /input has 10 values, expected 1 × 64/);
  const syn = buildNetworkSynapses(net);
  assert.throws(() => simulateExample(net, syn, new Float32Array(64), 9, net.weights.map((w) => new Float64Array(w.size)), emptyCounters(net)), /label must be an integer in \[0, 4\)/);
  assert.throws(() => simulateExample(net, syn, new Float32Array(64), 0, [], emptyCounters(net), { shuffle: true }), /need an rng/);
  assert.throws(() => simulateExample(net, syn, new Float32Array(64).fill(1), 0, net.weights.map((w) => new Float64Array(w.size)), emptyCounters(net), { maxTicks: 2 }), /did not reach quiescence within maxTicks=2/);
});

test('train/validation split: official order keeps the tail; a class-grouped folder holds out every class', async () => {
  const { trainValidationSplit } = await import('../../src/snn/data.js');
  const make = (labels: number[]) => ({
    name: 't', split: 'train', images: Uint8Array.from(labels, (l) => l * 10), labels: Int32Array.from(labels),
    shape: { n: labels.length, h: 1, w: 1, c: 1 }, classNames: ['a', 'b', 'c'],
  });
  const interleaved = trainValidationSplit(make([0, 1, 2, 0, 1, 2, 0, 1, 2]), 3);
  assert.deepEqual([...interleaved.validation.labels], [0, 1, 2]);
  assert.equal(interleaved.train.n, 6);
  const grouped = trainValidationSplit(make([0, 0, 0, 1, 1, 1, 2, 2, 2]), 3);
  assert.deepEqual([...grouped.validation.labels], [0, 1, 2]);
  assert.deepEqual([...grouped.train.labels], [0, 0, 1, 1, 2, 2]);
  assert.deepEqual([...grouped.validation.x].map((v) => Math.round(v * 255)), [0, 10, 20]);
});

test('softmax temperature: the output error of a worked example, and clear errors', () => {
  // a = [2, 0], y = 0, τ = 2: softmax(a/τ) = [e/(1+e), 1/(1+e)], so S·e = 10·[−1/(1+e), 1/(1+e)].
  const out = new Float64Array(2);
  outputErrorCurrent([2, 0], 0, 10, 'ce', out, 2);
  const p1 = 1 / (1 + Math.E);
  assert.ok(Math.abs(out[0] + 10 * p1) < 1e-12 && Math.abs(out[1] - 10 * p1) < 1e-12, `got ${Array.from(out)}`);
  // CE(a/τ) of that example: log(e¹ + e⁰) − 1.
  assert.ok(Math.abs(meanCrossEntropy(new Float32Array([2, 0]), [0], 1, 2) - (Math.log(1 + Math.E) - 1)) < 1e-7);
  // τ = 1 is the plain softmax, bit for bit.
  const plain = new Float64Array(3), one = new Float64Array(3);
  outputErrorCurrent([0.3, -1.7, 2.9], 2, 64, 'ce', plain);
  outputErrorCurrent([0.3, -1.7, 2.9], 2, 64, 'ce', one, 1);
  assert.deepEqual(one, plain);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { temperature: 0 }, new Rng(1)), /temperature must be a positive number/);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { loss: 'mse', temperature: 2 }, new Rng(1)), /temperature applies to the 'ce' loss only/);
});

test('zero-sum output errors: a worked example, counts that sum to zero, and clear errors', () => {
  // a = 0 over 4 classes, y = 0, S = 10: p = ¼ each, so S·e = [−7.5, 2.5, 2.5, 2.5].
  const cfg = { ...DEFAULT_CONFIG, errorScale: 10 };
  const independent = new Float64Array(4), zeroSum = new Float64Array(4);
  labelErrorCurrent(cfg, [0, 0, 0, 0], 0, independent);
  assert.deepEqual(Array.from(independent), [-7.5, 2.5, 2.5, 2.5]);
  // The other classes truncate to 2 spikes each; the true class gets −6, not trunc(−7.5) = −7.
  labelErrorCurrent({ ...cfg, outputErrors: 'zero-sum' }, [0, 0, 0, 0], 0, zeroSum);
  assert.deepEqual(Array.from(zeroSum), [-6, 2, 2, 2]);
  // With the rounding quantiser and Θ_bp = ½: the others round 2.5/½ = 5 to 5 spikes (2.5), the true class −7.5.
  labelErrorCurrent({ ...cfg, outputErrors: 'zero-sum', quantiser: 'round', thetaBp: 0.5 }, [0, 0, 0, 0], 0, zeroSum);
  assert.deepEqual(Array.from(zeroSum), [-7.5, 2.5, 2.5, 2.5]);
  // Through the fast path: on random logits every example's output counts sum to zero (independent ones need not).
  const net = SpikeGradNetwork.create([1, 2, 2], parseArchitecture('10'), { errorScale: 256, outputErrors: 'zero-sum' }, new Rng(1));
  const rng = new Rng(2), n = 50, logits = new Float32Array(n * 10), labels = new Int32Array(n);
  for (let i = 0; i < logits.length; i++) logits[i] = 6 * rng.normal();
  for (let b = 0; b < n; b++) labels[b] = b % 10;
  const E = outputErrors(net, logits, labels, n);
  let nonZero = 0;
  for (let b = 0; b < n; b++) {
    let sum = 0;
    for (let k = 0; k < 10; k++) { sum += E[b * 10 + k]; assert.ok(Number.isInteger(E[b * 10 + k])); }
    assert.equal(sum, 0, `example ${b}`);
    if (E[b * 10 + labels[b]] !== 0) nonZero++;
  }
  assert.ok(nonZero > 10, 'the true class still gets errors');
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { outputErrors: 'rounded' as never }, new Rng(1)), /outputErrors must be one of independent, zero-sum/);
  assert.throws(() => SpikeGradNetwork.create([1, 4, 4], parseArchitecture('10'), { loss: 'mse', outputErrors: 'zero-sum' }, new Rng(1)), /outputErrors 'zero-sum' applies to the 'ce' loss only/);
});
