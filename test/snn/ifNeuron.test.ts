// The neuron rules: golden worked examples (docs/methods-snn.md §2, §5), the ternary and non-negativity
// invariants, and the quiescent counts ⌊relu(I)/Θ⌋ / trunc(X/Θ) for random input sequences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import {
  errorCount, errorStep, forwardCount, ifStep, restingError, restingForward,
  type ErrorParams, type ErrorState, type ForwardParams, type ForwardState,
} from '../../src/snn/ifNeuron.js';

const FF: ForwardParams = { theta: 1, negativeRule: 'corrected', burst: false };
const BP: ErrorParams = { theta: 1, quantiser: 'trunc', burst: false };

test('forward worked example (§2) reproduces tick by tick', () => {
  const inputs = [0.6, 0.9, 0.8, -1.7, 0.2, 0];
  const expected = [[0.6, 0, 0], [0.5, 1, 1], [0.3, 1, 2], [-0.4, -1, 1], [0.8, -1, 0], [0.8, 0, 0]];
  let s: ForwardState = restingForward;
  inputs.forEach((input, t) => {
    const r = ifStep(s, input, FF);
    s = r.state;
    const [V, spike, c] = expected[t];
    assert.ok(Math.abs(s.V - V) < 1e-12, `tick ${t + 1}: V ${s.V} ≠ ${V}`);
    assert.equal(r.spike, spike, `tick ${t + 1}: spike`);
    assert.equal(s.c, c, `tick ${t + 1}: count`);
  });
  assert.equal(s.negatives, 2);
  assert.equal(s.c, forwardCount(0.8, 1));
});

test('backward worked example (§5): corrected rule ends at trunc, plain rule overshoots', () => {
  const run = (p: ErrorParams) => {
    let s: ErrorState = restingError;
    const spikes: number[] = [];
    for (const input of [1.5, -1.0, 0, 0]) { const r = errorStep(s, input, p); s = r.state; spikes.push(r.spike); }
    return { s, spikes };
  };
  const corrected = run(BP);
  assert.deepEqual(corrected.spikes, [1, -1, 0, 0]);
  assert.equal(corrected.s.E, 0);
  assert.equal(corrected.s.E, errorCount(0.5, 1, 'trunc'));
  const plain = run({ ...BP, quantiser: 'plain' });
  assert.deepEqual(plain.spikes, [1, 0, 0, 0]);
  assert.equal(plain.s.E, 1);
});

/** Feeds a random dyadic input sequence then zeros until quiescent; returns the final state. */
function settle<S>(step: (s: S, x: number) => { state: S; spike: number }, s0: S, inputs: number[], check: (spike: number, s: S) => void): { s: S; ticks: number } {
  let s = s0, ticks = 0;
  for (const x of inputs) { const r = step(s, x); s = r.state; check(r.spike, s); ticks++; }
  for (let quiet = 0; quiet < 2; ticks++) {
    const r = step(s, 0);
    s = r.state;
    check(r.spike, s);
    quiet = r.spike === 0 ? quiet + 1 : 0;
    if (ticks > 100000) throw new Error('no quiescence');
  }
  return { s, ticks };
}

test('random sequences: ternary spikes, c ≥ 0 always, final counts ⌊relu(I)/Θ⌋ and trunc(X/Θ), burst mode equal', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 2000; trial++) {
    const theta = [0.5, 1, 2][trial % 3];
    const inputs = Array.from({ length: 1 + rng.int(12) }, () => Math.round(rng.normal(0, 3) * 16) / 16);
    const I = inputs.reduce((a, b) => a + b, 0);
    for (const burst of [false, true]) {
      const p: ForwardParams = { theta, negativeRule: 'corrected', burst };
      const f = settle<ForwardState>((s, x) => ifStep(s, x, p), restingForward, inputs, (spike, s) => {
        if (!burst) assert.ok(spike === -1 || spike === 0 || spike === 1, `forward spike ${spike} not ternary`);
        assert.ok(s.c >= 0, `count went negative: ${s.c}`);
      });
      assert.equal(f.s.c, forwardCount(I, theta), `forward: inputs ${inputs} θ ${theta} burst ${burst}`);
      assert.equal(f.s.V, I - theta * f.s.c, 'reset by subtraction keeps V = I − Θ·c');
      for (const quantiser of ['trunc', 'round'] as const) {
        const q: ErrorParams = { theta, quantiser, burst };
        const e = settle<ErrorState>((s, x) => errorStep(s, x, q), restingError, inputs, (spike) => {
          if (!burst) assert.ok(spike === -1 || spike === 0 || spike === 1, `error spike ${spike} not ternary`);
        });
        assert.equal(e.s.E, errorCount(I, theta, quantiser), `error ${quantiser}: inputs ${inputs} θ ${theta} burst ${burst}`);
      }
      const plain = settle<ErrorState>((s, x) => errorStep(s, x, { theta, quantiser: 'plain', burst }), restingError, inputs, () => undefined);
      assert.ok(Math.abs(plain.s.E - errorCount(I, theta, 'trunc')) <= 1, 'plain rule within ±1');
    }
    const thr = settle<ForwardState>((s, x) => ifStep(s, x, { theta, negativeRule: 'threshold', burst: false }), restingForward, inputs, () => undefined);
    assert.ok(Math.abs(thr.s.c - forwardCount(I, theta)) <= 1, 'threshold negative rule within ±1');
  }
});

test('the −Θ negative threshold and the plain error rule do differ from the exact counts sometimes', () => {
  const rng = new Rng(11);
  let fwdDiff = 0, bwdDiff = 0;
  for (let trial = 0; trial < 500; trial++) {
    const inputs = Array.from({ length: 2 + rng.int(6) }, () => Math.round(rng.normal(0, 2) * 8) / 8);
    const I = inputs.reduce((a, b) => a + b, 0);
    const thr = settle<ForwardState>((s, x) => ifStep(s, x, { ...FF, negativeRule: 'threshold' }), restingForward, inputs, () => undefined);
    if (thr.s.c !== forwardCount(I, 1)) fwdDiff++;
    const plain = settle<ErrorState>((s, x) => errorStep(s, x, { ...BP, quantiser: 'plain' }), restingError, inputs, () => undefined);
    if (plain.s.E !== errorCount(I, 1, 'trunc')) bwdDiff++;
  }
  assert.ok(fwdDiff > 0 && bwdDiff > 0, `expected some mismatches, got forward ${fwdDiff}, backward ${bwdDiff}`);
});
