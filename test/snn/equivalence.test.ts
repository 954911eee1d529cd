// Property tests (docs/methods-snn.md §9): on many random dyadic networks the event-driven simulation and
// the ANN-equivalent fast path produce identical spike counts, output integrations, error counts and
// weight updates, and the event-driven results do not depend on delivery order, delays or bursts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastBackward, fastForward, predict } from '../../src/snn/fastPath.js';
import { buildNetworkSynapses, simulateBatch, type SimOptions } from '../../src/snn/eventSim.js';
import { applyRawUpdate } from '../../src/snn/train.js';
import { Rng } from '../../src/engine/random.js';
import { exampleRow, randomCase, type Case } from './helpers.js';

const SEEDS = 60;

function compare(cs: Case, opts: SimOptions = {}) {
  const { net, x, labels, n } = cs;
  const fwd = fastForward(net, x, n);
  const bwd = fastBackward(net, fwd, labels);
  const sim = simulateBatch(net, buildNetworkSynapses(net), x, labels, n, { inputTicks: cs.inputTicks, ...opts });
  return { fwd, bwd, sim };
}

function assertEquivalent(cs: Case, opts: SimOptions = {}): { active: number; errors: number } {
  const { net, n } = cs;
  const { fwd, bwd, sim } = compare(cs, opts);
  let active = 0, errors = 0;
  for (let b = 0; b < n; b++) {
    const tr = sim.traces[b];
    net.layers.forEach((layer, li) => {
      const where = `${cs.description} example ${b} layer ${li}`;
      if (layer.isOutput) {
        assert.deepEqual(Array.from(tr.logits), Array.from(fwd.logits.subarray(b * layer.size, (b + 1) * layer.size)), `${where}: output integration`);
      } else {
        const c = exampleRow(fwd.counts[li], b, layer.size);
        assert.deepEqual(tr.counts[li], c, `${where}: forward counts`);
        for (const v of c) if (v > 0) active++;
        const g = fwd.gates[li];
        if (g) assert.deepEqual(tr.gates[li], g.subarray(b * layer.size, (b + 1) * layer.size), `${where}: gates`);
      }
      const E = bwd.errors[li];
      if (E) {
        const e = exampleRow(E, b, layer.size);
        assert.deepEqual(tr.errors[li], e, `${where}: error counts`);
        for (const v of e) if (v !== 0) errors++;
      }
    });
  }
  sim.rawGradients.forEach((g, i) => assert.deepEqual(g, bwd.rawGradients[i], `${cs.description}: weight update ${i}`));
  return { active, errors };
}

test('event-driven counts, errors and updates equal the fast path exactly (MLPs)', () => {
  let active = 0, errors = 0;
  for (let s = 0; s < SEEDS; s++) {
    const r = assertEquivalent(randomCase(1000 + s, 'mlp'));
    active += r.active; errors += r.errors;
  }
  // The property is only meaningful when neurons fire and errors flow.
  assert.ok(active > SEEDS * 3, `too little forward activity (${active})`);
  assert.ok(errors > SEEDS * 3, `too few error neurons (${errors})`);
});

test('event-driven counts, errors and updates equal the fast path exactly (conv + pool)', () => {
  let active = 0, errors = 0;
  for (let s = 0; s < SEEDS; s++) {
    const r = assertEquivalent(randomCase(2000 + s, 'conv'));
    active += r.active; errors += r.errors;
  }
  assert.ok(active > SEEDS * 5, `too little forward activity (${active})`);
  assert.ok(errors > SEEDS * 3, `too few error neurons (${errors})`);
});

test('equivalence holds with rate-coded input, the count gate, rounding quantiser, MSE loss, a softmax temperature and zero-sum output errors', () => {
  for (let s = 0; s < 20; s++) {
    assertEquivalent(randomCase(3000 + s, s % 2 ? 'conv' : 'mlp', { input: 'rate' }));
    assertEquivalent(randomCase(3100 + s, s % 2 ? 'conv' : 'mlp', { gate: 'count' }));
    assertEquivalent(randomCase(3200 + s, s % 2 ? 'conv' : 'mlp', { quantiser: 'round' }));
    assertEquivalent(randomCase(3300 + s, s % 2 ? 'conv' : 'mlp', { loss: 'mse', errorScale: 8 }));
    assertEquivalent(randomCase(3400 + s, s % 2 ? 'conv' : 'mlp', { temperature: 3 }));
    assertEquivalent(randomCase(3500 + s, s % 2 ? 'conv' : 'mlp', { outputErrors: 'zero-sum' }));
    assertEquivalent(randomCase(3600 + s, s % 2 ? 'conv' : 'mlp', { outputErrors: 'zero-sum', quantiser: 'round', thetaBp: 0.5 }));
  }
});

test('order invariance: shuffled processing, random synaptic delays and burst mode change nothing', () => {
  for (let s = 0; s < 30; s++) {
    const cs = randomCase(4000 + s, s % 2 ? 'conv' : 'mlp');
    const rng = new Rng(s);
    assertEquivalent(cs, { shuffle: true, rng });
    assertEquivalent(cs, { maxDelay: 1 + (s % 4), rng });
    assertEquivalent(cs, { burst: true });
    assertEquivalent(cs, { burst: true, shuffle: true, maxDelay: 2, rng });
  }
});

test('training parity: k SGD steps on each path give identical weights and predictions', () => {
  let changedCases = 0;
  for (let s = 0; s < 8; s++) {
    // G = 2, T_in = 2: Scaling 1, layer-1 trace multiple of ½; η = 2⁻⁵ keeps weights on a 2⁻⁶ grid.
    const cs = randomCase(5000 + s, s % 2 ? 'conv' : 'mlp', { gain: 2, thetaFf: 1, thetaBp: 1, errorScale: 16 });
    const a = cs.net.clone(), b = cs.net.clone();
    const syn = buildNetworkSynapses(b);
    const eta = 2 ** -5;
    for (let k = 0; k < 4; k++) {
      const fwd = fastForward(a, cs.x, cs.n);
      applyRawUpdate(a, fastBackward(a, fwd, cs.labels).rawGradients, eta);
      const sim = simulateBatch(b, syn, cs.x, cs.labels, cs.n, { inputTicks: 2 });
      applyRawUpdate(b, sim.rawGradients, eta);
      a.weights.forEach((w, i) => assert.deepEqual(b.weights[i].f32, w.f32, `${cs.description}: weights ${i} after step ${k + 1}`));
    }
    if (a.weights.some((w, i) => w.f32.some((v, j) => v !== cs.net.weights[i].f32[j]))) changedCases++;
    const held = randomCase(9000 + s, 'mlp');
    if (held.net.inputSize === a.inputSize) {
      assert.deepEqual(predict(fastForward(a, held.x, held.n).logits, held.n), predict(fastForward(b, held.x, held.n).logits, held.n));
    }
    const simB = simulateBatch(b, syn, cs.x, cs.labels, cs.n, { inputTicks: 2 });
    assert.deepEqual(Int32Array.from(simB.traces.map((t) => t.logits.indexOf(Math.max(...t.logits)))), predict(fastForward(a, cs.x, cs.n).logits, cs.n));
  }
  assert.ok(changedCases >= 6, `training changed the weights in only ${changedCases} of 8 cases`);
});
