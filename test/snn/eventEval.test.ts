// Event-driven evaluation (docs/methods-snn.md §8.3) on small exactly representable networks: every
// prediction, count and logit equals the fast path's; the counters are those of the events (net
// counts plus two per correction spike); and splitting the work over worker threads changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventEvaluateThreaded } from '../../src/cli/eventEvalPool.js';
import { eventEvaluate, mergeEventEval } from '../../src/snn/eventEval.js';
import { fastForward } from '../../src/snn/fastPath.js';
import { randomCase } from './helpers.js';

function stacked(seeds: number[], kind: 'mlp' | 'conv') {
  // One topology, many inputs: the first case's network on the inputs of several cases' seeds.
  const base = randomCase(seeds[0], kind);
  const xs: number[] = [];
  for (const s of seeds) {
    const c = randomCase(s, kind);
    for (let b = 0; b < c.n; b++) for (let i = 0; i < base.net.inputSize; i++) xs.push(c.x[(b * c.net.inputSize + i) % c.x.length]);
  }
  return { cs: base, x: Float32Array.from(xs), n: xs.length / base.net.inputSize };
}

test('event-driven evaluation agrees with the fast path exactly; counters come from the events', () => {
  let spikes = 0, corrections = 0;
  for (const kind of ['mlp', 'conv'] as const) {
    for (let s = 0; s < 6; s++) {
      const { cs, x, n } = stacked([9100 + 10 * s, 9101 + 10 * s, 9102 + 10 * s], kind);
      const { net } = cs;
      const r = eventEvaluate(net, x, n, { inputTicks: cs.inputTicks, batchSize: 2 });
      assert.equal(r.examples, n);
      assert.equal(r.predictionMismatches, 0, cs.description);
      assert.equal(r.countMismatches, 0, cs.description);
      assert.equal(r.examplesWithCountMismatch, 0, cs.description);
      assert.equal(r.logitMismatches, 0, cs.description);
      assert.deepEqual(Array.from(r.eventLogits), Array.from(fastForward(net, x, n).logits), cs.description);
      const fwd = fastForward(net, x, n);
      net.layers.forEach((l, li) => {
        const ev = r.counters.layers[li];
        if (l.isOutput) { assert.equal(ev.spikes, 0); return; }
        let net0 = 0, active = 0;
        for (const v of fwd.counts[li]) { net0 += v; if (v !== 0) active++; }
        assert.equal(ev.spikes, net0 + 2 * ev.negativeSpikes, `${cs.description} layer ${li}: spikes = net + 2·corrections`);
        assert.equal(ev.activeNeurons, active, `${cs.description} layer ${li}: active neurons`);
        assert.equal(ev.errorSpikes, 0, 'inference sends no error spikes');
        spikes += ev.spikes; corrections += ev.negativeSpikes;
      });
      assert.equal(r.counters.examples, n);
      assert.ok(r.counters.ticksForward >= n * cs.inputTicks);
    }
  }
  // Only meaningful when neurons fire, and some of them correct themselves.
  assert.ok(spikes > 200, `too little activity (${spikes} spikes)`);
  assert.ok(corrections > 0, 'no correction spikes were exercised');
});

test('threaded event-driven evaluation gives the same result on 0, 1 and 2 workers, in example order', async () => {
  const { cs, x, n } = stacked([9300, 9301, 9302, 9303, 9304], 'conv');
  const inline = await eventEvaluateThreaded(cs.net, x, n, { workers: 0, inputTicks: cs.inputTicks, chunk: 2 });
  const single = mergeEventEval(cs.net, [eventEvaluate(cs.net, x, n, { inputTicks: cs.inputTicks })]);
  const strip = (r: typeof inline) => ({ ...r, eventSeconds: 0 });
  assert.deepEqual(strip(inline), strip(single));
  let progress = 0;
  for (const workers of [1, 2]) {
    const t = await eventEvaluateThreaded(cs.net, x, n, { workers, inputTicks: cs.inputTicks, chunk: 2, onProgress: (d) => { progress = d; } });
    assert.deepEqual(strip(t), strip(single), `${workers} workers`);
    assert.equal(progress, n);
  }
  await assert.rejects(eventEvaluateThreaded(cs.net, x, n, { workers: -1, inputTicks: 2 }), /workers must be an integer ≥ 0/);
  assert.throws(() => eventEvaluate(cs.net, x.subarray(1), n), /input has/);
});
