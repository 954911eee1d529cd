// The training monitor: a step's activity from the fast path (logit extremes and mean, output error
// sum, mean count per spiking layer) and the window means that `spikegrad --log-every` prints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/engine/random.js';
import { fastPathCounters, networkFans } from '../../src/snn/counters.js';
import { fastBackward, fastForward } from '../../src/snn/fastPath.js';
import { ActivityWindow, stepActivity } from '../../src/snn/monitor.js';
import { parseArchitecture, SpikeGradNetwork } from '../../src/snn/network.js';

test('monitor: step activity from the fast path, window means, zero output error sum under zero-sum', () => {
  for (const outputErrors of ['independent', 'zero-sum'] as const) {
    const net = SpikeGradNetwork.create([1, 6, 6], parseArchitecture('4C3-P2-8-5'), { gain: 8, errorScale: 64, outputErrors }, new Rng(4));
    const rng = new Rng(5), n = 6;
    const x = new Float32Array(n * 36), labels = new Int32Array(n);
    for (let i = 0; i < x.length; i++) x[i] = rng.int(5) / 4;
    for (let b = 0; b < n; b++) labels[b] = b % 5;
    const fwd = fastForward(net, x, n), bwd = fastBackward(net, fwd, labels);
    const E = bwd.errors[bwd.errors.length - 1] as Float32Array;
    const a = stepActivity(net, fwd, E, fastPathCounters(net, networkFans(net), fwd, bwd, 8));
    // Spiking layers: the conv (index 0) and the dense layer (index 2); the pool and the output are left out.
    const mean = (c: Float32Array) => c.reduce((s, v) => s + v, 0) / c.length;
    assert.deepEqual(a.meanCounts, [mean(fwd.counts[0]), mean(fwd.counts[2])]);
    assert.ok(a.meanCounts[0] > 0, 'the conv layer fires');
    assert.equal(a.maxAbsLogit, Math.max(...Array.from(fwd.logits, Math.abs)));
    assert.equal(a.meanLogit, mean(fwd.logits));
    const perExample = E.reduce((s, v) => s + v, 0) / n;
    assert.equal(a.outputErrorSum, perExample);
    if (outputErrors === 'zero-sum') assert.equal(a.outputErrorSum, 0);
    // A window of two steps: loss and accuracy per example, activity per step, the largest |logit|.
    const w = new ActivityWindow();
    w.add(2, 1, 4, { maxAbsLogit: 3, meanLogit: 1, outputErrorSum: -2, meanCounts: [1, 2] });
    w.add(1, 3, 4, { maxAbsLogit: 5, meanLogit: 0, outputErrorSum: -4, meanCounts: [3, 0] });
    assert.equal(w.size, 2);
    assert.deepEqual(w.take(), { loss: 1.5, accuracy: 0.5, maxAbsLogit: 5, meanLogit: 0.5, outputErrorSum: -3, meanCounts: [2, 1] });
    assert.equal(w.size, 0, 'take starts a new window');
  }
});
