// scripts/long-runs.sh, which carries the long runs' state from one machine to the next: `save`
// keeps exactly the state files (gzip'd, in the layout of runs/), `restore` brings back the same
// bytes and keeps a newer file that is already there, jobs run their runs in order and never one that
// another job is running, and bad use gets a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'long-runs.sh');

function run(args: string[], env: Record<string, string>) {
  return spawnSync('bash', [script, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** Runs fn in a fresh temporary folder, removed afterwards whatever happens. */
function inTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bitspike-long-runs-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

function write(base: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, rel)), { recursive: true });
    writeFileSync(join(base, rel), text);
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/** A background job's log once it holds `commands` lines of the CLI (`echo CLI`), or after 10 s. */
function waitForLog(file: string, commands: number): string {
  let text = '';
  for (let i = 0; i < 100 && text.split('\n').filter((l) => l.startsWith('CLI ')).length < commands; i++) {
    spawnSync('sleep', ['0.1']);
    try { text = readFileSync(file, 'utf8'); } catch { /* not yet written */ }
  }
  return text;
}

test('long-runs.sh: save keeps the state files only, restore gives back the same bytes', () => {
  inTempDir((dir) => {
    const runs = join(dir, 'runs'), snaps = join(dir, 'snapshots'), again = join(dir, 'elsewhere');
    const state = {
      'gbm/cache/base-abc.epoch.json': '{"epoch":3}',
      'gbm/cache/base-def.json': '{"version":1}',
      'gbm/tiny-inc10-o1994.json': '{"rows":[]}',
      'gbm/tiny-inc10-o1994.done': '',
      'spikegrad/cifar/checkpoint.json': '{"format":"bitspike-spikegrad-checkpoint"}',
      'spikegrad/cifar/best-network.json': '{"epoch":2}',
    };
    write(runs, { ...state, 'gbm/cache/features-abc.f32': 'big and recomputable', 'logs/tiny-1994.log': 'log', 'spikegrad/cifar/notes.txt': 'x' });
    const saved = run(['save'], { BITSPIKE_RUNS: runs, BITSPIKE_SNAPSHOTS: snaps });
    assert.equal(saved.status, 0, saved.stderr);
    assert.deepEqual(listFiles(snaps), Object.keys(state).map((f) => `runs/${f}.gz`).sort());

    const restored = run(['restore'], { BITSPIKE_RUNS: again, BITSPIKE_SNAPSHOTS: snaps });
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(listFiles(again), Object.keys(state).sort());
    for (const f of Object.keys(state)) assert.equal(readFileSync(join(again, f), 'utf8'), state[f as keyof typeof state], f);

    // A file already there and newer than its snapshot is the run's own progress: kept.
    const mine = join(again, 'spikegrad/cifar/checkpoint.json');
    writeFileSync(mine, '{"epoch":9}');
    const later = statSync(join(snaps, 'runs/spikegrad/cifar/checkpoint.json.gz')).mtimeMs / 1000 + 60;
    utimesSync(mine, later, later);
    const second = run(['restore'], { BITSPIKE_RUNS: again, BITSPIKE_SNAPSHOTS: snaps });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(readFileSync(mine, 'utf8'), '{"epoch":9}');
    assert.match(second.stdout, /kept .*checkpoint\.json \(newer than/);

    // A second save replaces the snapshot: a state file that is gone is gone from it too.
    rmSync(join(runs, 'gbm/cache/base-abc.epoch.json'));
    assert.equal(run(['save'], { BITSPIKE_RUNS: runs, BITSPIKE_SNAPSHOTS: snaps }).status, 0);
    assert.ok(!listFiles(snaps).includes('runs/gbm/cache/base-abc.epoch.json.gz'));
  });
});

test('long-runs.sh: an unknown run or command is refused, naming what is known', () => {
  inTempDir((dir) => {
    const env = { BITSPIKE_RUNS: dir, BITSPIKE_SNAPSHOTS: join(dir, 'none'), BITSPIKE_CLI: 'false' };
    const started = run(['start', 'tiny-1993', 'tiny-1994+tiny-2001'], env);
    assert.equal(started.status, 2);
    assert.match(started.stderr, /long-runs: unknown run 'tiny-2001' \(expected one of: tiny-1993 tiny-1994 tiny-1995 snn-cifar10 snn-cifar10-wd\)/);
    assert.ok(!started.stdout.includes('started'), 'nothing is started when one name is wrong');
    const bad = run(['frobnicate'], env);
    assert.equal(bad.status, 2);
    assert.match(bad.stdout, /long-runs\.sh restore/);
    assert.match(run(['restore'], env).stdout, /no .* folder, nothing to restore/);
  });
});

test('long-runs.sh: A+B+C runs A, then B, then C, with the documented commands, in one background job', () => {
  inTempDir((dir) => {
    // `echo` as the CLI: each step prints the command it would run, into the job's log.
    const env = { BITSPIKE_RUNS: dir, BITSPIKE_SNAPSHOTS: join(dir, 'none'), BITSPIKE_CLI: 'echo CLI' };
    const started = run(['start', 'tiny-1994+snn-cifar10+snn-cifar10-wd'], env);
    assert.equal(started.status, 0, started.stderr);
    const lines = waitForLog(join(dir, 'logs', 'tiny-1994+snn-cifar10+snn-cifar10-wd.log'), 5).split('\n').filter((l) => l.startsWith('CLI '));
    assert.equal(lines.length, 5, lines.join('\n'));
    assert.match(lines[0], /^CLI gbm-study --config configs\/gbm-tinyimagenet-b100-inc10\.json --set data\.classOrder\.numpySeed=1994 .*--resume --out .*tiny-inc10-o1994\.json$/);
    assert.match(lines[1], /^CLI gbm-study --config configs\/gbm-tinyimagenet-b100-inc20\.json --set data\.classOrder\.numpySeed=1994 .*--resume --out .*tiny-inc20-o1994\.json$/);
    // The finished width-32 run: training only (its event-driven check is left out on purpose).
    assert.match(lines[2], /^CLI spikegrad --dataset cifar10 --arch 32C3p1-.*--output-errors zero-sum .*--epochs 60 .*--event-eval 0 .*--out .*\/spikegrad\/cifar10-zs-G32-tau4-lr1e-3-60$/);
    // The weight-decay run: the same arguments plus --weight-decay, then 1,000 images event-driven.
    assert.match(lines[3], /^CLI spikegrad --dataset cifar10 .*--epochs 60 --seed 1 --threads 1 --weight-decay 0\.05 --event-eval 0 .*--out .*cifar10-zs-G32-tau4-lr1e-3-60-wd0\.05$/);
    assert.match(lines[4], /^CLI spikegrad --dataset cifar10 .*--weight-decay 0\.05 --resume --event-eval 1000 .*cifar10-zs-G32-tau4-lr1e-3-60-wd0\.05$/);
    // Finished tables leave markers, so a second start skips them.
    assert.ok(readdirSync(join(dir, 'gbm')).includes('tiny-inc20-o1994.done'));
  });
});

test('long-runs.sh: a run another job holds is skipped, and status names it as running', () => {
  inTempDir((dir) => {
    const env = { BITSPIKE_RUNS: dir, BITSPIKE_SNAPSHOTS: join(dir, 'none'), BITSPIKE_CLI: 'echo CLI' };
    // Another job running tiny-1993: a process holding its lock.
    mkdirSync(join(dir, 'locks'));
    // (In its own process group, so that killing the group ends flock and its child, which shares the lock.)
    const holder = spawn('flock', [join(dir, 'locks', 'tiny-1993.lock'), 'sleep', '60'], { stdio: 'ignore', detached: true });
    try {
      for (let i = 0; i < 50 && !run(['status'], env).stdout.includes('running: tiny-1993'); i++) spawnSync('sleep', ['0.1']);
      assert.match(run(['status'], env).stdout, /^running: tiny-1993$/m);
      const started = run(['start', 'tiny-1993+tiny-1994'], env);
      assert.equal(started.status, 0, started.stderr);
      const log = waitForLog(join(dir, 'logs', 'tiny-1993+tiny-1994.log'), 2);
      assert.match(log, /long-runs: tiny-1993 is running in another job: skipped here/);
      const commands = log.split('\n').filter((l) => l.startsWith('CLI '));
      assert.equal(commands.length, 2, log);
      for (const c of commands) assert.match(c, /numpySeed=1994 /);
    } finally {
      process.kill(-holder.pid!);
    }
    // Once the holder is gone the lock is free again, and finished runs hold none.
    for (let i = 0; i < 50 && run(['status'], env).stdout.includes('running:'); i++) spawnSync('sleep', ['0.1']);
    assert.doesNotMatch(run(['status'], env).stdout, /running:/);
  });
});
