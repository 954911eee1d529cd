// `bitspike demo`: argument errors, and the --quick run end to end through the binary (about 15 s):
// the per-task table, the summary line, and the run folder agree with each other and with the GBM
// memory arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bitspike, tmpDir, usageErrorMessage } from './helpers.js';

test('bitspike demo: argument errors name the flag', async () => {
  const rs = await Promise.all([
    bitspike(['demo', '--method', 'nope']),
    bitspike(['demo', 'extra']),
    bitspike(['demo', '--seed', '1', '--seed', '2']),
    bitspike(['demo', '--out', '--quick']),
    bitspike(['demo', '--quik']),
  ]);
  assert.match(usageErrorMessage(rs[0], 'demo'), /^--method must be one of native-replay, latent-replay, gbm, icarl, lwf, finetune, joint, got 'nope'$/);
  assert.equal(usageErrorMessage(rs[1], 'demo'), "unexpected argument 'extra'");
  assert.match(usageErrorMessage(rs[2], 'demo'), /^--seed is given more than once/);
  assert.match(usageErrorMessage(rs[3], 'demo'), /^--out expects a string value, got the flag '--quick'/);
  assert.match(usageErrorMessage(rs[4], 'demo'), /^unknown flag --quik \(known: --quick, /);
  const help = await bitspike(['demo', '--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--quick', '--seed', '--method', '--out']) assert.ok(help.stdout.includes(flag), `demo --help lists ${flag}`);
});

test('bitspike demo --quick: five tasks, a summary line that matches results.json, GBM memory in bits', { timeout: 120_000 }, async (t) => {
  const out = path.join(tmpDir(t), 'run');
  const r = await bitspike(['demo', '--quick', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^bitspike demo: Split-MNIST class-incremental \(5 tasks × 2 digits/);
  const rows = lines.filter((l) => /^\d+ +\d,\d /.test(l));
  assert.deepEqual(rows.map((l) => l.split(/ +/).slice(0, 2).join(' ')), ['1 0,1', '2 2,3', '3 4,5', '4 6,7', '5 8,9']);

  const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(res.tasks.length, 5);
  for (const [i, task] of res.tasks.entries()) {
    assert.deepEqual(task.classes, [2 * i, 2 * i + 1]);
    assert.equal(task.trainSamples, 2000, '--quick: 1,000 training images per digit');
    assert.equal(task.testSamples, 1000 * (i + 1), '--quick: 500 test images per digit, all seen digits');
  }
  // Last line: method, Ā, A_T and memory, as results.json has them.
  const last = lines[lines.length - 1];
  const m = /^method gbm \(K=3, u8 prototypes\): average incremental accuracy ([\d.]+)%, final accuracy ([\d.]+)%, memory ([\d,]+) bits/.exec(last);
  assert.ok(m, `summary line: ${last}`);
  assert.equal(Number(m[1]), Number((res.summary.averageIncrementalAccuracy * 100).toFixed(1)));
  assert.equal(Number(m[2]), Number((res.summary.finalAccuracy * 100).toFixed(1)));
  assert.equal(Number(m[3].replace(/,/g, '')), res.memory.totalBits);
  // Seeded run measured at 77.5% final accuracy (old digits 78.4%) on 10 digits, chance 10%; a
  // fine-tuned learner keeps only the last two digits (≤ 20%).
  assert.ok(res.summary.finalAccuracy > 0.6, `final accuracy ${res.summary.finalAccuracy}`);
  assert.ok(res.tasks[4].oldAccuracy > 0.6, `old-digit accuracy after task 5 ${res.tasks[4].oldAccuracy}`);
  // GBM stores no images: only one K = 3 mixture of u8 prototypes over the 400 hidden units per digit.
  assert.equal(res.memory.bufferBits, 0);
  assert.equal(res.memory.generatorBits, 10 * 3 * (400 * 8 + 8));
  const events = fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.ok(events.length >= 5, 'events.jsonl has a line per task at least');
});
