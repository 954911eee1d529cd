// The fast path with reused arrays (ReusedStepArrays, as the trainer and evaluate use it) gives
// exactly what fresh arrays give, whatever the previous call left in them: a larger batch before a
// smaller one (prefix views), then a larger one again (grown arrays), on random conv and dense
// networks under both gate rules; and arrays large enough to be resident in the kernels' memory
// (read and written in place) give the same values too, on one and two threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastBackward, fastForward, type FastBackward, type FastForward } from '../../src/snn/fastPath.js';
import { ReusedStepArrays } from '../../src/snn/stepArrays.js';
import { SpikeGradNetwork, parseArchitecture } from '../../src/snn/network.js';
import { getKernels, setThreads } from '../../src/engine/kernels/index.js';
import { Rng } from '../../src/engine/random.js';
import { randomCase } from './helpers.js';

function snapshot(f: FastForward, b: FastBackward): unknown {
  const copy = (a: ArrayLike<number> | null) => (a ? Array.from(a) : null);
  return {
    input: copy(f.input), counts: f.counts.map(copy), gates: f.gates.map(copy), argmax: f.argmax.map(copy),
    errors: b.errors.map(copy), rawGradients: b.rawGradients.map(copy),
  };
}

test('reused step arrays: the same counts, gates, errors and gradients as fresh arrays, for any batch sequence', () => {
  let checked = 0;
  for (let seed = 1; seed <= 24; seed++) {
    for (const gate of ['count', 'input'] as const) {
      const c = randomCase(seed, seed % 3 === 0 ? 'mlp' : 'conv', { gate });
      const size = c.net.inputSize;
      const arrays = new ReusedStepArrays();
      // All n examples, then the last one alone (prefix views of longer arrays), then all n in reverse
      // order: every call finds other examples' values in the arrays it is handed.
      const order = (idx: number[]) => ({
        x: Float32Array.from(idx.flatMap((i) => Array.from(c.x.subarray(i * size, (i + 1) * size)))),
        labels: Int32Array.from(idx.map((i) => c.labels[i])),
      });
      const all = Array.from({ length: c.n }, (_, i) => i);
      for (const idx of [all, [c.n - 1], [...all].reverse()]) {
        const m = idx.length, { x, labels } = order(idx);
        const fresh = fastForward(c.net, x, m);
        const reused = fastForward(c.net, x, m, arrays);
        assert.deepEqual(snapshot(reused, fastBackward(c.net, reused, labels, arrays)), snapshot(fresh, fastBackward(c.net, fresh, labels)), `${c.description}, gate ${gate}, batch ${m}`);
        checked++;
      }
    }
  }
  assert.equal(checked, 24 * 2 * 3);
});

test('reused step arrays: one array per role, handed back on the next call', () => {
  const arrays = new ReusedStepArrays();
  const a = arrays.f32('counts 0', 8);
  a.fill(7);
  assert.equal(arrays.f32('counts 0', 8), a, 'the same array for the same role and length');
  assert.deepEqual(Array.from(arrays.f32('counts 0', 3)), [7, 7, 7], 'a shorter request views the same memory');
  assert.notEqual(arrays.f32('counts 1', 8), a, 'another role gets its own array');
  assert.equal(arrays.f32('counts 0', 16).length, 16, 'a longer request grows the array');
  assert.ok(arrays.i32('counts 0', 4) instanceof Int32Array, 'element types are separate roles');
});

test('reused step arrays: resident in kernel memory when large, with the values of fresh arrays, on 1 and 2 threads', async () => {
  const rng = new Rng(5);
  const net = SpikeGradNetwork.create([3, 16, 16], parseArchitecture('8C3p1-P2-16C3p1-P2-10'), { gain: 8, errorScale: 64 }, rng.split());
  const n = 8, size = net.inputSize;
  const x = Float32Array.from({ length: n * size }, () => rng.int(5) / 4);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const arrays = new ReusedStepArrays();
  try {
    for (const threads of [1, 2, 1]) {
      await setThreads(threads);
      const resident = getKernels().resident;
      // A full batch, a partial one (ordinary arrays), a full one again; then the same after release().
      for (const m of [n, 3, n, -1, n]) {
        if (m < 0) { arrays.release(); continue; }
        const xs = x.subarray(0, m * size), ys = labels.subarray(0, m);
        const fresh = fastForward(net, xs, m);
        const reused = fastForward(net, xs, m, arrays);
        const backward = fastBackward(net, reused, ys, arrays);
        if (resident && m === n) {
          assert.ok(resident.owns(reused.counts[0]), `conv1 counts (${reused.counts[0].length} floats) are resident on ${threads} thread(s)`);
          assert.ok(resident.owns(backward.errors[0]!), 'so are its error counts');
        }
        assert.deepEqual(snapshot(reused, backward), snapshot(fresh, fastBackward(net, fresh, ys)), `${threads} thread(s), batch ${m}`);
      }
    }
  } finally {
    arrays.release();
    await setThreads(1);
  }
});
