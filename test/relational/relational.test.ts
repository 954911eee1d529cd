import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/random.js';
import { run } from '../../src/cli/commands/relational.js';
import { run as runStdp } from '../../src/cli/commands/relational-stdp.js';
import { DIEHL_COOK_2016_NEURONS, RelationalNetwork } from '../../src/relational/network.js';
import { CHANCE_RMSE, circularDistance, circularError, decodeBump, encodeBump } from '../../src/relational/populationCode.js';
import { relation, RELATIONS } from '../../src/relational/relations.js';
import { DC2016_CONFIG, stdpNeuronCounts, stdpRelationalAtScale, StdpRelationalNetwork } from '../../src/relational/stdpRelational.js';
import { digitPools, VisualXorNetwork } from '../../src/relational/visualXor.js';

test('bump encoding: peak at round(v·N), zero at the antipode, wraps around', () => {
  const N = 10, out = new Float32Array(N);
  encodeBump(0.95, N, out);
  // round(9.5) = 10 ≡ 0: the bump sits on neuron 0 and wraps to neuron 9.
  assert.equal(out[0], 1);
  assert.equal(out[9], out[1]);
  assert.equal(out[5], 0);
  assert.throws(() => encodeBump(1, N, out), /value must be in \[0, 1\)/);
  assert.equal(circularDistance(1, 9, 10), 2);
});

test('encode → decode round-trips every grid value exactly, also for noisy and scaled activity', () => {
  const N = 100, out = new Float32Array(N);
  const rng = new Rng(1);
  for (let m = 0; m < N; m++) {
    encodeBump(m / N, N, out);
    assert.equal(decodeBump(out, N), m / N);
    const noisy = out.map((v) => 3 * v + 0.2 * rng.normal());
    assert.ok(Math.abs(circularError(m / N, decodeBump(noisy, N))) <= 0.02);
  }
});

test('circular error takes the short way round; chance RMSE is √(1/12)', () => {
  assert.ok(Math.abs(circularError(0.95, 0.05) + 0.1) < 1e-12);
  assert.ok(Math.abs(circularError(0.05, 0.95) - 0.1) < 1e-12);
  assert.equal(circularError(0.3, 0.2).toFixed(6), '0.100000');
  const rng = new Rng(2);
  let se = 0;
  for (let i = 0; i < 20000; i++) { const d = circularError(rng.float(), rng.float()); se += d * d; }
  assert.ok(Math.abs(Math.sqrt(se / 20000) - CHANCE_RMSE) < 0.005);
});

/**
 * Every value of the missing variable on a grid of M steps that reproduces the known one within
 * `tol` on the circle: an exhaustive inversion that assumes nothing about the relation.
 */
function solutions(consistent: (x: number) => number, M: number, tol: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < M; k++) if (Math.abs(consistent(k / M)) <= tol) out.push(k);
  return out;
}

test('relations are invertible in every direction: each variable is the one solution given the other two', () => {
  const M = 1000, rng = new Rng(4);
  for (const r of Object.values(RELATIONS)) {
    for (let trial = 0; trial < 20; trial++) {
      // Grid values, so the true value is among the candidates and must be recovered exactly.
      const ka = rng.int(M), kb = rng.int(M), a = ka / M, b = kb / M;
      const c = r.c(a, b);
      assert.ok(c >= 0 && c < 1, `${r.name}: C = ${c} outside [0, 1)`);
      // A from (B, C) and B from (A, C): exactly one grid value reproduces C (float error only).
      assert.deepEqual(solutions((x) => circularError(c, r.c(x, b)), M, 1e-9), [ka], `${r.name}: A from B = ${b}, C = ${c}`);
      assert.deepEqual(solutions((x) => circularError(c, r.c(a, x)), M, 1e-9), [kb], `${r.name}: B from A = ${a}, C = ${c}`);
      // Well-posed, not just unique: a candidate one grid step off misses C by a full step, so an
      // error in the inferred variable shows up in full in C (what the network's RMSE relies on).
      for (const [x, y] of [[(ka + 1) % M / M, b], [a, (kb + M - 1) % M / M]]) {
        assert.ok(Math.abs(Math.abs(circularError(c, r.c(x, y))) - 1 / M) < 1e-9, `${r.name}: one step off (${x}, ${y})`);
      }
    }
  }
  // The check above refuses a relation that is not invertible, e.g. C = 2A + B mod 1 (A and A + ½ both fit).
  const twice = (a: number, b: number): number => (((2 * a + b) % 1) + 1) % 1;
  assert.equal(solutions((x) => circularError(twice(0.3, 0.45), twice(x, 0.45)), M, 1e-9).length, 2);
  assert.ok(Math.abs(relation('add-mod').c(0.7, 0.6) - 0.3) < 1e-12);
  assert.ok(Math.abs(relation('sub-mod').c(0.2, 0.6) - 0.6) < 1e-12);
  assert.ok(Math.abs(relation('neg-sum-mod').c(0.2, 0.3) - 0.5) < 1e-12);
  assert.throws(() => relation('mul'), /unknown relation 'mul'/);
});

test('a small spiking network learns C = (A + B) mod 1 well above chance, in every direction (seeded)', () => {
  const rng = new Rng(7);
  const net = new RelationalNetwork(relation('add-mod'), { neurons: 24, hidden: 96, lr: 3e-3, batchSize: 32 }, rng);
  for (let i = 0; i < 700; i++) net.step(Array.from({ length: 32 }, () => net.sample(rng)));
  for (const missing of [0, 1, 2]) {
    const r = net.evaluate(missing, 400, new Rng(100 + missing));
    assert.ok(r.rmse < 0.5 * CHANCE_RMSE, `variable ${'ABC'[missing]}: RMSE ${r.rmse.toFixed(3)} vs chance ${CHANCE_RMSE.toFixed(3)}`);
  }
  assert.deepEqual(net.neuronCount, { input: 72, hidden: 96, output: 72, total: 240 });
});

test('visual XOR on synthetic digit images is learned (seeded)', () => {
  // Two well-separated 16-pixel "digits" with pixel noise stand in for MNIST 0s and 1s.
  const rng = new Rng(3);
  const size = 16, n = 200;
  const images = new Uint8Array(2 * n * size), labels = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < size; p++) images[i * size + p] = ((p < 8) === (labels[i] === 0) ? 200 : 20) + rng.int(40);
  }
  const pools = digitPools(images, labels, size);
  const xor = new VisualXorNetwork(size, { hidden: 32, lr: 3e-3 }, rng);
  for (let i = 0; i < 300; i++) xor.step(pools, Array.from({ length: 32 }, () => xor.sample(pools, rng)));
  for (const missing of [0, 1, 2]) assert.ok(xor.evaluate(pools, 500, new Rng(9), missing) > 0.95, `slot ${missing}`);
  assert.throws(() => digitPools(images, new Int32Array(2 * n).fill(1), size), /no images of digit 0/);
});

test('bitspike relational: results.json with RMSE per variable and the neuron comparison; bad flags are clear errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relational-cli-'));
  const log = console.log;
  try {
    console.log = () => {};
    assert.equal(await run(['--task', 'add-mod', '--neurons', '24', '--hidden', '96', '--lr', '3e-3', '--steps', '700', '--eval-count', '200', '--quiet', '--out', dir]), 0);
    console.log = log;
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    for (const v of ['A', 'B', 'C']) assert.ok(r.rmse[v] < 0.5 * CHANCE_RMSE, `RMSE ${v} ${r.rmse[v]}`);
    assert.deepEqual(r.neurons, { input: 72, hidden: 96, output: 72, total: 240 });
    assert.deepEqual(r.diehlCook2016, { neurons: DIEHL_COOK_2016_NEURONS.total, ratio: 53.3 });
    console.log = () => {};
    const e = path.join(dir, 'event');
    assert.equal(await run(['--task', 'add-mod', '--neurons', '16', '--hidden', '24', '--steps', '40', '--event-train-steps', '3', '--event-eval', '20', '--event-workers', '1', '--eval-count', '50', '--coding', 'poisson', '--gain', '8', '--quiet', '--out', e]), 0);
    console.log = log;
    const re = JSON.parse(fs.readFileSync(path.join(e, 'results.json'), 'utf8'));
    assert.equal(re.coding, 'poisson');
    assert.equal(re.eventTraining.steps, 3);
    assert.equal(re.eventTraining.examples, 96);
    for (const v of ['A', 'B', 'C']) {
      const p = re.eventEvaluation.perVariable[v];
      assert.equal(p.examples, 20);
      assert.ok(p.answerDisagreements >= 0 && p.answerDisagreements <= 20 && Number.isFinite(p.rmseEvent) && Number.isFinite(p.rmseFast));
    }
    await assert.rejects(run(['--steps', '3', '--event-train-steps', '5']), /--event-train-steps \(5\) cannot exceed --steps \(3\)/);
    await assert.rejects(run(['--coding', 'burst']), /--coding must be one of analog, regular, poisson, got 'burst'/);
    await assert.rejects(run(['--coding', 'poisson', '--gain', '64']), /--gain must be ≤ 32 with --coding poisson/);
    await assert.rejects(run(['--task', 'xor-mnist', '--coding', 'regular']), /offered for the arithmetic relations only/);
    await assert.rejects(run(['--task', 'mul']), /--task must be one of add-mod/);
    await assert.rejects(run(['--infer', 'D']), /--infer must be any, A, B or C, got 'D'/);
    await assert.rejects(run(['--hidden', '0']), /--hidden must be a positive integer, got 0/);
  } finally {
    console.log = log;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('STDP relational baseline (Diehl & Cook 2016 reimplementation): same seed same weights, snapshot resumes bit for bit, sizes scale', () => {
  const cfg = stdpRelationalAtScale(0.02);
  assert.deepEqual([cfg.exc, cfg.inh, cfg.toHidden.fanIn], [32, 8, 3]);
  assert.equal(cfg.toHidden.sum, (DC2016_CONFIG.toHidden.sum * 3) / DC2016_CONFIG.toHidden.fanIn, 'mean weight kept');
  assert.deepEqual(stdpNeuronCounts(DC2016_CONFIG), { input: DIEHL_COOK_2016_NEURONS.input, spiking: DIEHL_COOK_2016_NEURONS.hidden, total: DIEHL_COOK_2016_NEURONS.total });
  const a = new StdpRelationalNetwork(cfg, relation('add-mod'), 5);
  const b = new StdpRelationalNetwork(cfg, relation('add-mod'), 5);
  for (let i = 0; i < 3; i++) { a.trainExample(); b.trainExample(); }
  const snap = JSON.parse(JSON.stringify(a.snapshot()));
  assert.deepEqual(snap, JSON.parse(JSON.stringify(b.snapshot())));
  const c = StdpRelationalNetwork.restore(snap, relation('add-mod'), 'test snapshot');
  for (let i = 0; i < 3; i++) { a.trainExample(); c.trainExample(); }
  assert.deepEqual(c.snapshot(), a.snapshot());
  // Evaluating draws only from its own stream and freezes learning: training continues as if it had not happened.
  const before = JSON.stringify(a.snapshot());
  const r = a.evaluate(5, new Rng(9));
  assert.equal(r.count, 5);
  assert.equal(JSON.stringify(a.snapshot()), before);
  assert.deepEqual(a.evaluate(5, new Rng(9)), r);
  assert.throws(() => a.evaluate(0, new Rng(9)), /count must be a positive integer, got 0/);
  assert.throws(() => new StdpRelationalNetwork({ ...cfg, inputSigma: 0 }, relation('add-mod'), 1), /config.inputSigma must be > 0, got 0/);
  assert.throws(() => StdpRelationalNetwork.restore(snap, relation('sub-mod'), 'test snapshot'), /test snapshot: snapshot of relation 'add-mod', asked for 'sub-mod'/);
  assert.throws(() => StdpRelationalNetwork.restore({ ...snap, up: { ...snap.up, A: 'AAAA' } }, relation('add-mod'), 'bad.json'), /bad.json up.A: expected \d+ float64 values/);
});

test('bitspike relational-stdp: results.json, snapshots, --resume continues to the same network, clear errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relational-stdp-'));
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'relational-stdp-'));
  const log = console.log;
  try {
    console.log = () => {};
    const args = ['--scale', '0.02', '--progress-every', '4', '--eval-count', '6', '--quiet'];
    assert.equal(await runStdp([...args, '--examples', '8', '--out', dir]), 0);
    assert.equal(await runStdp([...args, '--examples', '6', '--out', dir2]), 0); // ends off the --progress-every interval
    assert.equal(await runStdp([...args, '--examples', '8', '--out', dir2, '--resume']), 0);
    console.log = log;
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    const r2 = JSON.parse(fs.readFileSync(path.join(dir2, 'results.json'), 'utf8'));
    assert.equal(r.examples, 8);
    assert.deepEqual(r.neurons, { input: 96, spiking: 160, total: 256 });
    assert.deepEqual(r2.inferC, r.inferC, 'a resumed run ends where an uninterrupted one does');
    assert.deepEqual(r2.history.filter((h: { examples: number }) => h.examples !== 6).map((h: { rmse: number }) => h.rmse), r.history.map((h: { rmse: number }) => h.rmse));
    const snap = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'snapshot.json'), 'utf8')).snapshot;
    assert.deepEqual(snap(dir2), snap(dir));
    await assert.rejects(runStdp(['--scale', '2', '--out', dir]), /--scale must be in \(0, 1\], got 2/);
    await assert.rejects(runStdp(['--scale', '0.04', '--out', dir, '--resume']), /snapshot.json was written for \{"task":"add-mod","scale":0.02,"seed":1\}/);
    await assert.rejects(runStdp(['--examples', '5']), /--out is required/);
    await assert.rejects(runStdp([...args, '--examples', '8', '--out', dir]), /snapshot.json exists: pass --resume to continue that run/);
  } finally {
    console.log = log;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});

test('STDP relational baseline learns the relation: seeded 80-neuron modules, 900 examples, RMSE inferring C below half of chance', () => {
  const net = new StdpRelationalNetwork(stdpRelationalAtScale(0.05), relation('add-mod'), 1);
  for (let i = 0; i < 900; i++) net.trainExample();
  const r = net.evaluate(100, new Rng(5));
  assert.equal(r.silent, 0);
  assert.ok(r.rmse < 0.5 * CHANCE_RMSE, `RMSE ${r.rmse}`);
});
