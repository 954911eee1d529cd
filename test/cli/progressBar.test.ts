// The shared progress display of long commands: formatting (rate, time left, bar width), the sliding
// rate window, and what each mode writes (bar on a terminal, plain lines, JSON lines, nothing when quiet),
// all on a fake clock and a fake stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatRate, progressMode, ProgressBar, RateMeter, renderBar, type ProgressMode } from '../../src/cli/progressBar.js';
import { consoleReporter } from '../../src/cil/progress.js';
import type { ExperimentConfig } from '../../src/cil/config.js';
import type { TaskRecord } from '../../src/cil/runner.js';

class FakeStream {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(s: string): boolean { this.chunks.push(s); return true; }
  get text(): string { return this.chunks.join(''); }
}

function setup(mode: ProgressMode, tty = mode === 'bar', columns?: number) {
  const clock = { t: 0 };
  const stream = new FakeStream(tty, columns);
  const bar = new ProgressBar({ command: 'test', mode, stream, clock: () => clock.t, redrawMs: 100, jsonIntervalMs: 1000, windowMs: 5000 });
  return { clock, stream, bar };
}

test('formatDuration, formatRate and renderBar', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(65.4), '1:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(null), '--:--');
  assert.equal(formatDuration(Infinity), '--:--');
  assert.equal(formatRate(1234.4), '1234 img/s');
  assert.equal(formatRate(12.34), '12.3 img/s');
  assert.equal(formatRate(1.234, 'ex'), '1.23 ex/s');
  assert.equal(formatRate(null), '– img/s');
  assert.equal(renderBar(0.5, 10), '█████░░░░░');
  assert.equal(renderBar(0.99, 10), '█████████░', 'a bar is full only when the work is');
  for (const f of [-1, 0, 0.37, 1, 2, NaN]) assert.equal([...renderBar(f, 24)].length, 24, `width at fraction ${f}`);
  assert.equal(renderBar(2, 4), '████');
  assert.throws(() => renderBar(0.5, -1), /width must be a non-negative integer/);
});

test('the rate follows a sliding window, not the whole run', () => {
  const m = new RateMeter(5000);
  assert.equal(m.rate(), null);
  m.record(0, 0);
  m.record(1000, 1000);
  assert.equal(m.rate(), 1000);
  // A slow stretch: the fast first second falls out of the 5 s window.
  m.record(10_000, 1500);
  assert.ok(Math.abs(m.rate()! - 500 / 9) < 1e-9, `rate ${m.rate()}`);
  // The base is the newest sample at or before the window's start (here still t = 1 s).
  m.record(11_000, 1600);
  assert.ok(Math.abs(m.rate()! - 60) < 1e-9, `rate ${m.rate()}`);
  m.record(16_000, 2100);
  assert.ok(Math.abs(m.rate()! - 100) < 1e-9, `rate ${m.rate()}`);
});

test('progressMode: --quiet wins, then --json, then the terminal decides', () => {
  assert.equal(progressMode(new FakeStream(true), { quiet: true, json: true }), 'quiet');
  assert.equal(progressMode(new FakeStream(true), { json: true }), 'json');
  assert.equal(progressMode(new FakeStream(true), {}), 'bar');
  assert.equal(progressMode(new FakeStream(false), {}), 'lines');
});

test('on a terminal: one line redrawn with \\r, rate and time left, throttled; log lines go above it', () => {
  const { clock, stream, bar } = setup('bar');
  bar.setTotal(1000);
  clock.t = 1000;
  bar.advance(100, 'epoch 1/2', {}, ' loss 0.5000');
  assert.equal(stream.chunks.length, 1);
  const first = stream.chunks[0];
  assert.ok(first.startsWith('\r') && !first.includes('\n'), JSON.stringify(first));
  assert.ok(first.endsWith('\x1b[K'), 'clears the rest of the line');
  assert.match(first.slice(1, -3), /^epoch 1\/2 ██░{22} {2}10% 100 img\/s 0:09 left loss 0\.5000$/);
  clock.t = 1050;
  bar.advance(100, 'epoch 1/2');
  assert.equal(stream.chunks.length, 1, 'no redraw within 100 ms');
  clock.t = 2000;
  bar.advance(300, 'epoch 2/2');
  // 500 images in 2 s = 250 img/s; 500 left → 2 s.
  assert.match(stream.chunks[1], /epoch 2\/2 .* 50% 250 img\/s 0:02 left/);
  bar.step('epoch 1/2 done');
  assert.equal(stream.chunks.length, 2, 'steps are shown by the bar itself on a terminal');
  bar.log('task 1: accuracy 90%');
  assert.deepEqual(stream.chunks.slice(2, 4), ['\r\x1b[K', 'task 1: accuracy 90%\n']);
  assert.match(stream.chunks[4], /^\repoch 2\/2 /, 'the bar comes back under the line');
  bar.finish();
  assert.equal(stream.chunks.at(-1), '\r\x1b[K');
});

test('the bar is cut to the terminal width, and a deadline caps the time left', () => {
  const { clock, stream, bar } = setup('bar', true, 40);
  bar.setTotal(1_000_000);
  clock.t = 1000;
  bar.advance(10, 'task 3/10 epoch 17/300');
  assert.equal(stream.chunks[0].slice(1, -3).length, 39);
  assert.equal(Math.round(bar.etaSeconds()!), 99_999);
  bar.setDeadline(60);
  assert.equal(bar.etaSeconds(), 59);
});

test('not a terminal: no \\r, nothing per batch, steps as plain lines with rate and time left', () => {
  const { clock, stream, bar } = setup('lines');
  bar.setTotal(400);
  bar.step('task 1/2: classes 0, 1');
  for (let i = 1; i <= 10; i++) { clock.t = 100 * i; bar.advance(20, 'task 1/2 epoch 1/2'); }
  bar.step('  epoch 1/2: last batch loss 0.1234');
  bar.log('  task 1/2: accuracy 99%', {}, true);
  bar.log('heading');
  bar.finish();
  assert.equal(stream.text, [
    'task 1/2: classes 0, 1',
    '  epoch 1/2: last batch loss 0.1234 [200 img/s, 0:01 left]',
    '  task 1/2: accuracy 99% [200 img/s, 0:01 left]',
    'heading', '',
  ].join('\n'));
});

test('--quiet writes nothing at all', () => {
  const { clock, stream, bar } = setup('quiet', true);
  bar.setTotal(100);
  clock.t = 500;
  bar.advance(50, 'epoch 1/1');
  bar.step('step');
  bar.log('log', { a: 1 }, true);
  bar.finish();
  assert.equal(stream.text, '');
});

test('--json: one parseable JSON object per event, updates at most once a second', () => {
  const { clock, stream, bar } = setup('json');
  bar.setTotal(1000);
  for (let i = 1; i <= 20; i++) { clock.t = 100 * i; bar.advance(50, 'epoch 1/1', { epoch: 1, loss: 0.5 }); }
  bar.step('epoch 1/1 done', { epoch: 1 });
  bar.log('task 1: accuracy', { accuracy: 0.9 });
  bar.finish({ epochs: 1 });
  assert.ok(stream.text.endsWith('\n'));
  const events = stream.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.map((e) => e.event), ['update', 'update', 'step', 'log', 'end'], 'updates at t = 0.1 s and 1.1 s only');
  for (const e of events) { assert.equal(e.type, 'progress'); assert.equal(e.command, 'test'); assert.equal(e.unit, 'images'); assert.equal(e.total, 1000); }
  assert.deepEqual([events[1].done, events[1].rate, events[1].etaSeconds, events[1].loss], [550, 500, 1, 0.5]);
  assert.deepEqual([events[2].message, events[3].accuracy, events[4].epochs, events[4].done], ['epoch 1/1 done', 0.9, 1, 1000]);
});

test('CIL reporter: the total follows each task as its real size and early stop become known', () => {
  const { clock, bar } = setup('quiet');
  const rep = consoleReporter(bar);
  const config = { name: 'c', training: { epochs: 2 } } as unknown as ExperimentConfig;
  rep.studyRun({ run: 0, runs: 2, label: 'r' });
  rep.start!({ config, tasks: 2, resumedAt: 0, trainSize: 200, testSize: 50, taskTrainSizes: [100, 100] });
  assert.equal(bar.totalWork, 2 * 400, 'this run and one more of the study, 2 epochs × 200 images each');
  rep.taskStart!(0, 2, [0, 1]);
  // The strategy joined 50 replayed samples: 150 per epoch, known at the first batch.
  clock.t = 1000;
  rep.batch!(0, { epoch: 0, epochs: 2, batch: 0, batches: 3, loss: 1, images: 50, samples: 150 });
  assert.equal(bar.totalWork, 300 + 200 + 400);
  clock.t = 2000;
  rep.batch!(0, { epoch: 0, epochs: 2, batch: 1, batches: 3, loss: 1, images: 50, samples: 150 });
  assert.equal(bar.done, 100);
  // The lr floor ends the task after these 100 images: the rest of its epochs leave the total.
  rep.taskEnd!({ task: 0, accuracy: 1, oldAccuracy: null, newAccuracy: 1, memory: { totalBits: 8 } } as unknown as TaskRecord, { task: 0, trainMs: 1, evalMs: 1 });
  assert.equal(bar.totalWork, 100 + 200 + 400);
});
