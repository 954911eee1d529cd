import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { createLifState, DC_EXCITATORY, resetLif, stepLif } from '../../src/snn/stdp/conductanceLif.js';
import { PoissonSource } from '../../src/snn/stdp/poissonSource.js';
import { DC_TRIPLET_STDP, Projection, scaleStdp, type PresynapticTargetStdp } from '../../src/snn/stdp/projection.js';

test('conductance LIF: one Euler step by hand, conductance decay, spike, reset, refractoriness, adaptive threshold', () => {
  const p = DC_EXCITATORY, dt = 0.5;
  const s = createLifState(p, 2, dt);
  s.ge[0] = 1;
  s.gi[1] = 0.5;
  stepLif(p, s, 0);
  // v ← v + dt/τ · ((v_rest − v) + g_e·(E_exc − v) + g_i·(E_inh − v)), from rest.
  assert.equal(s.v[0], -65 + (0.5 / 100) * (1 * (0 - -65)));
  assert.equal(s.v[1], -65 + (0.5 / 100) * (0.5 * (-100 - -65)));
  assert.equal(s.ge[0], Math.exp(-0.5 / 1));
  assert.equal(s.gi[1], 0.5 * Math.exp(-0.5 / 2));
  assert.equal(s.spikeCount, 0);
  // Above threshold: spike, reset to v_reset, clamped for t_ref/dt = 10 steps, θ grows by θ_plus.
  s.v[0] = -51;
  stepLif(p, s, 1);
  assert.deepEqual([s.spikeCount, s.spikes[0], s.v[0], s.lastSpike[0], s.theta[0]], [1, 0, -65, 1, 0.05]);
  s.ge[0] = 100;
  for (let k = 2; k < 12; k++) { stepLif(p, s, k); assert.equal(s.v[0], -65, `refractory at step ${k}`); }
  stepLif(p, s, 12);
  assert.ok(s.v[0] > -65, 'integrates again after the refractory period');
  resetLif(p, s);
  assert.deepEqual([s.v[0], s.ge[0], s.lastSpike[0], s.refractoryLeft[0]], [-65, 0, -1, 0]);
  assert.ok(s.theta[0] > 0.049, 'the adaptive threshold survives a reset (it is learned homeostasis)');
  assert.throws(() => createLifState({ ...p, tauMembrane: 0 }, 1, dt), /tauMembrane must be > 0/);
});

test('Poisson source: rate within 4σ of rate·dt, silent at rate 0, same seed same trains, clear error above one spike per step', () => {
  const dt = 0.5, n = 200, steps = 4000;
  const src = new PoissonSource(n, dt);
  const rates = new Float64Array(n).map((_, i) => (i < 100 ? 40 : 0));
  const rng = new Rng(3);
  src.start(rates, 0, rng);
  let count = 0, silent = 0;
  const trace: number[] = [];
  for (let t = 0; t < steps; t++) {
    src.step(t, rng);
    for (let k = 0; k < src.spikeCount; k++) { if (src.spikes[k] < 100) count++; else silent++; if (t < 50) trace.push(t * 1000 + src.spikes[k]); }
  }
  const p = (40 * dt) / 1000, mean = 100 * steps * p, sd = Math.sqrt(100 * steps * p * (1 - p));
  assert.ok(Math.abs(count - mean) < 4 * sd, `${count} spikes, expected ${mean} ± ${sd}`);
  assert.equal(silent, 0);
  const again = new PoissonSource(n, dt), rng2 = new Rng(3), trace2: number[] = [];
  again.start(rates, 0, rng2);
  for (let t = 0; t < 50; t++) { again.step(t, rng2); for (let k = 0; k < again.spikeCount; k++) trace2.push(t * 1000 + again.spikes[k]); }
  assert.deepEqual(trace2, trace);
  assert.throws(() => src.start(new Float64Array(n).fill(2000), 0, rng), /below one spike per step/);
});

test('projection: fixed fan-in of distinct partners, no autapses, one-to-one, delivery adds weights', () => {
  const rng = new Rng(1);
  const a = createLifState(DC_EXCITATORY, 20, 0.5);
  const pr = new Projection(a, a, { fanIn: 5, weight: 0.5, target: 'exc', noSelf: true }, rng);
  assert.equal(pr.synapseCount, 100);
  for (let j = 0; j < 20; j++) {
    const pres = Array.from(pr.synOfPost.subarray(pr.postStart[j], pr.postStart[j + 1]), (s) => pr.preOf[s]);
    assert.equal(new Set(pres).size, 5);
    assert.ok(!pres.includes(j));
    // The post-major index lists j's synapses by ascending pre, and they point back at j.
    assert.deepEqual(pres, [...pres].sort((x, y) => x - y));
    for (let d = pr.postStart[j]; d < pr.postStart[j + 1]; d++) assert.equal(pr.postOf[pr.synOfPost[d]], j);
  }
  // Each pre's fan-out is contiguous and sorted by post; the post-major weight layout round-trips.
  for (let i = 0; i < 20; i++) for (let s = pr.preStart[i]; s < pr.preStart[i + 1]; s++) assert.equal(pr.preOf[s], i);
  for (let s = 0; s + 1 < 100; s++) if (pr.preOf[s] === pr.preOf[s + 1]) assert.ok(pr.postOf[s] < pr.postOf[s + 1]);
  const byPost = Float64Array.from({ length: 100 }, (_, d) => d / 7);
  pr.setWeightsByPost(byPost);
  assert.deepEqual(pr.weightsByPost(), byPost);
  assert.equal(pr.weight[pr.synOfPost[42]], 42 / 7);
  assert.throws(() => pr.setWeightsByPost(new Float64Array(3)), /expected 100 weights, got 3/);
  pr.setWeightsByPost(new Float64Array(100).fill(0.5));
  pr.deliver(Int32Array.of(3), 1, 0);
  const expected = new Float64Array(20);
  for (let s = pr.preStart[3]; s < pr.preStart[4]; s++) expected[pr.postOf[s]] += 0.5;
  assert.deepEqual(Array.from(a.ge), Array.from(expected));
  const one = new Projection(new PoissonSource(20, 0.5), a, { fanIn: 'one-to-one', weight: 2, target: 'inh' }, rng);
  one.deliver(Int32Array.of(7), 1, 0);
  assert.equal(a.gi[7], 2);
  assert.throws(() => new Projection(a, a, { fanIn: 20, weight: 1, target: 'exc', noSelf: true }, rng), /fanIn must be an integer in \[1, 19\]/);
});

test('triplet STDP by hand: depression at a pre spike from x_post1, potentiation at a post spike from x_pre · x_post2 before it', () => {
  const dt = 0.5, rng = new Rng(1);
  const pre = createLifState(DC_EXCITATORY, 1, dt), post = createLifState(DC_EXCITATORY, 1, dt);
  const r = DC_TRIPLET_STDP;
  const pr = new Projection(pre, post, { fanIn: 1, weight: 0.5, target: 'exc', stdp: r }, rng);
  // post spiked at step 10 and 30, pre at step 26; potentiation at 30 uses x_pre(4 steps) · x_post2(20 steps).
  post.prevSpike[0] = 10; post.lastSpike[0] = 30; post.spikes[0] = 0; post.spikeCount = 1;
  pre.lastSpike[0] = 26; pre.spikes[0] = 0; pre.spikeCount = 1; // as stepLif leaves it at step 26
  pr.potentiate(30);
  const w1 = 0.5 + r.nuPost * Math.exp((-4 * dt) / r.tauPre) * Math.exp((-20 * dt) / r.tauPost2);
  assert.equal(pr.weight[0], w1);
  // A pre spike delivered at step 36: depression by ν_pre · x_post1(6 steps since the post spike).
  pr.deliver(Int32Array.of(0), 1, 36);
  assert.equal(pr.weight[0], w1 - r.nuPre * Math.exp((-6 * dt) / r.tauPost1));
  // The first post spike of an example (no earlier one) potentiates nothing: the rule is a triplet.
  post.prevSpike[0] = -1;
  const before = pr.weight[0];
  pr.potentiate(40);
  assert.equal(pr.weight[0], before);
  pr.learning = false;
  pr.deliver(Int32Array.of(0), 1, 41);
  assert.equal(pr.weight[0], before, 'no plasticity when learning is off');
});

test('presynaptic-target STDP by hand, bounds, scaling, and normalisation of incoming sums', () => {
  const dt = 0.5, rng = new Rng(2);
  const rule: PresynapticTargetStdp = { kind: 'presynaptic-target', eta: 0.1, xTar: 0.4, mu: 0.5, tauPre: 20, wMax: 1 };
  const pre = createLifState(DC_EXCITATORY, 2, dt), post = createLifState(DC_EXCITATORY, 1, dt);
  const pr = new Projection(pre, post, { fanIn: 2, weight: 0.36, target: 'exc', stdp: rule }, rng);
  pre.lastSpike[0] = 98; // pre 0 fired 2 steps before, pre 1 never
  post.lastSpike[0] = 100; post.spikes[0] = 0; post.spikeCount = 1;
  pr.potentiate(100);
  const s0 = pr.preOf[0] === 0 ? 0 : 1, s1 = 1 - s0;
  assert.equal(pr.weight[s0], 0.36 + 0.1 * (Math.exp(-1 / 20) - 0.4) * Math.sqrt(0.64));
  assert.equal(pr.weight[s1], 0.36 + 0.1 * (0 - 0.4) * Math.sqrt(0.64));
  pr.normalize(2);
  assert.ok(Math.abs(pr.weight[s0] + pr.weight[s1] - 2) < 1e-12);
  const scaled = scaleStdp(rule, 4);
  assert.ok(scaled.kind === 'presynaptic-target' && scaled.wMax === 4);
  // The same step, four times larger, for weights four times larger: Δw(4w) = 4·Δw(w).
  const step = (r: PresynapticTargetStdp, w: number) => r.eta * (0.9 - r.xTar) * (r.wMax - w) ** r.mu;
  assert.ok(Math.abs(step(scaled, 1) - 4 * step(rule, 0.25)) < 1e-12);
  const t = scaleStdp(DC_TRIPLET_STDP, 2);
  assert.ok(t.kind === 'triplet' && t.nuPost === 0.02 && t.nuPre === 2e-4 && t.wMax === 2);
});

test('triplet STDP: visiting the few recently active presynaptic neurons changes exactly what a full scan changes', () => {
  const dt = 0.5;
  const run = (fanIn: number) => {
    const rng = new Rng(4);
    const pre = createLifState(DC_EXCITATORY, 200, dt), post = createLifState(DC_EXCITATORY, 20, dt);
    const pr = new Projection(pre, post, { fanIn, weight: (g) => g.float(), target: 'exc', stdp: { ...DC_TRIPLET_STDP, nuPost: 0.3 } }, rng);
    const events = new Rng(8);
    for (let t = 0; t < 400; t++) {
      // A few presynaptic neurons fire (shortcut path) for 200 steps, then many (full scan).
      pre.spikeCount = 0;
      const k = t < 200 ? events.int(2) : events.int(40);
      for (let n = 0; n < k; n++) { const i = t < 200 ? events.int(6) : events.int(200); pre.spikes[pre.spikeCount++] = i; pre.lastSpike[i] = t; }
      post.spikeCount = 0;
      for (let j = 0; j < 20; j++) if (events.float() < 0.2) { post.spikes[post.spikeCount++] = j; post.prevSpike[j] = post.lastSpike[j]; post.lastSpike[j] = t; }
      pr.potentiate(t);
    }
    return pr;
  };
  // fanIn 200 (all): the shortcut is taken while few have fired; the reference below redoes every update by full scan.
  const a = run(200);
  const rng = new Rng(4);
  const pre = createLifState(DC_EXCITATORY, 200, dt), post = createLifState(DC_EXCITATORY, 20, dt);
  const ref = new Projection(pre, post, { fanIn: 200, weight: (g) => g.float(), target: 'exc', stdp: { ...DC_TRIPLET_STDP, nuPost: 0.3 } }, rng);
  const events = new Rng(8);
  const tPre = (k: number) => Math.exp((-k * dt) / 20), tPost2 = (k: number) => Math.exp((-k * dt) / 40);
  for (let t = 0; t < 400; t++) {
    pre.spikeCount = 0;
    const k = t < 200 ? events.int(2) : events.int(40);
    for (let n = 0; n < k; n++) { const i = t < 200 ? events.int(6) : events.int(200); pre.lastSpike[i] = t; }
    for (let j = 0; j < 20; j++) {
      if (!(events.float() < 0.2)) continue;
      const prev = post.lastSpike[j];
      post.lastSpike[j] = t;
      if (prev < 0) continue;
      for (let d = ref.postStart[j]; d < ref.postStart[j + 1]; d++) {
        const s = ref.synOfPost[d], last = pre.lastSpike[ref.preOf[s]];
        if (last < 0) continue;
        ref.weight[s] = Math.min(1, ref.weight[s] + 0.3 * tPost2(t - prev) * tPre(t - last));
      }
    }
  }
  let maxDiff = 0;
  for (let s = 0; s < ref.weight.length; s++) maxDiff = Math.max(maxDiff, Math.abs(ref.weight[s] - a.weight[s]));
  assert.ok(maxDiff < 1e-12, `largest difference ${maxDiff}`);
});
