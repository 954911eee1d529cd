// The relational losses run event-driven (docs/methods-snn.md §6, §12): the masked MSE on one
// population and the 2-way cross-entropy of visual XOR are handed to the event-driven simulator as
// per-output error functions; on small networks with exactly representable weights the error counts
// and weight updates of every layer equal the fast path's, for analog, regular and Poisson inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { buildNetworkSynapses, simulateBatch } from '../../src/snn/eventSim.js';
import { fastBackwardFrom, fastForward, outputErrorsFrom } from '../../src/snn/fastPath.js';
import type { SpikeGradNetwork } from '../../src/snn/network.js';
import type { OutputErrorFn } from '../../src/snn/outputError.js';
import { RelationalNetwork } from '../../src/relational/network.js';
import { relation } from '../../src/relational/relations.js';
import { digitPools, VisualXorNetwork } from '../../src/relational/visualXor.js';
import { dyadicWeight } from '../snn/helpers.js';

function makeDyadic(net: SpikeGradNetwork, rng: Rng): void {
  for (const w of net.weights) {
    const fanIn = w.shape[1];
    for (let i = 0; i < w.size; i++) w.f32[i] = dyadicWeight(rng, 0.5 / fanIn, Math.sqrt(2 / fanIn));
  }
}

/** Event-driven backward from the error functions vs the fast path; returns how many error neurons were non-zero. */
function assertSameBackward(net: SpikeGradNetwork, x: Float32Array, errors: OutputErrorFn[], what: string): number {
  const n = errors.length;
  const fwd = fastForward(net, x, n);
  const bwd = fastBackwardFrom(net, fwd, outputErrorsFrom(net, fwd.logits, errors, n));
  const sim = simulateBatch(net, buildNetworkSynapses(net), x, errors, n, { inputTicks: 8 });
  let active = 0;
  sim.traces.forEach((tr, b) => {
    net.layers.forEach((l, li) => {
      const rows = (a: ArrayLike<number>) => Array.from(a).slice(b * l.size, (b + 1) * l.size);
      if (l.isOutput) assert.deepEqual(Array.from(tr.logits), rows(fwd.logits), `${what} example ${b}: logits`);
      else assert.deepEqual(Array.from(tr.counts[li]), rows(fwd.counts[li]), `${what} example ${b} layer ${li}: counts`);
      const E = bwd.errors[li] as Float32Array;
      assert.deepEqual(Array.from(tr.errors[li] as Int32Array), rows(E), `${what} example ${b} layer ${li}: error counts`);
      for (const v of tr.errors[li] as Int32Array) if (v !== 0) active++;
    });
  });
  sim.rawGradients.forEach((g, i) => assert.deepEqual(g, bwd.rawGradients[i], `${what}: weight update ${i}`));
  return active;
}

test('masked MSE on the silenced population runs event-driven with the fast path\'s counts and updates (analog, regular, Poisson)', () => {
  for (const coding of ['analog', 'regular', 'poisson'] as const) {
    for (const lossOn of ['missing', 'all'] as const) {
      let active = 0;
      for (let s = 0; s < 4; s++) {
        const rng = new Rng(500 + s);
        // N = 8: bump values are multiples of ¼; G = 4, S = 16, weights multiples of 2⁻⁶: every sum is exact.
        const rel = new RelationalNetwork(relation('add-mod'), { neurons: 8, hidden: 12, coding, lossOn, spike: { gain: 4, errorScale: 16 } }, rng);
        makeDyadic(rel.net, rng);
        const triples = Array.from({ length: 5 }, () => rel.sample(rng));
        const x = rel.encode(triples);
        if (coding === 'poisson') for (const v of x) assert.ok(Number.isInteger(v), 'Poisson inputs are spike counts');
        active += assertSameBackward(rel.net, x, triples.map((t) => rel.errorFunction(t)), `${coding} ${lossOn} seed ${s}`);
      }
      assert.ok(active > 20, `${coding} ${lossOn}: too few error neurons (${active})`);
    }
  }
});

test('2-way cross-entropy of visual XOR runs event-driven with the fast path\'s counts and updates', () => {
  const rng = new Rng(77);
  const size = 16, m = 40;
  const images = new Uint8Array(2 * m * size), labels = new Int32Array(2 * m);
  for (let i = 0; i < 2 * m; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < size; p++) images[i * size + p] = ((p < 8) === (labels[i] === 0)) !== rng.bernoulli(0.1) ? 255 : 0;
  }
  const pools = digitPools(images, labels, size);
  let active = 0;
  for (let s = 0; s < 4; s++) {
    const xor = new VisualXorNetwork(size, { hidden: 10, spike: { gain: 4, errorScale: 16 } }, rng);
    makeDyadic(xor.net, rng);
    const ex = Array.from({ length: 6 }, () => xor.sample(pools, rng));
    active += assertSameBackward(xor.net, xor.encode(pools, ex), ex.map((e) => xor.errorFunction(e)), `xor seed ${s}`);
  }
  assert.ok(active > 10, `too few error neurons (${active})`);
});

test('an event-driven training step moves the weights exactly as a fast-path step does (masked MSE, Adam)', () => {
  const make = () => {
    const rng = new Rng(901);
    const rel = new RelationalNetwork(relation('add-mod'), { neurons: 8, hidden: 12, spike: { gain: 4, errorScale: 16 } }, rng);
    makeDyadic(rel.net, rng);
    return rel;
  };
  const a = make(), b = make();
  const rng = new Rng(5);
  const triples = Array.from({ length: 6 }, () => a.sample(rng));
  a.step(triples);
  const sim = b.stepEventDriven(triples, buildNetworkSynapses(b.net));
  assert.ok(sim.counters.layers.some((l) => l.errorSpikes > 0), 'error spikes flowed');
  a.net.weights.forEach((w, i) => assert.deepEqual(b.net.weights[i].f32, w.f32, `weight ${i}`));
});
