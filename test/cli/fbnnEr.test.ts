// `bitspike fbnn-er`: its help and argument errors (the command name and flags are its interface;
// the study behind it is tested in test/fbnn).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bitspike, tmpDir, usageErrorMessage } from './helpers.js';

test('bitspike fbnn-er: help lists both subcommands and their flags; no subcommand exits 2', async () => {
  const [help, runHelp, none] = await Promise.all([bitspike(['fbnn-er', '--help']), bitspike(['fbnn-er', 'run', '--help']), bitspike(['fbnn-er'])]);
  assert.equal(help.code, 0);
  assert.equal(runHelp.code, 0);
  for (const text of [help.stdout, runHelp.stdout]) {
    assert.match(text, /fbnn-er run /);
    assert.match(text, /fbnn-er report /);
    for (const flag of ['--config', '--kind', '--budgets', '--lambdas', '--cache', '--out', '--set', '--results', '--img-dir', '--prefix']) assert.ok(text.includes(flag), `help lists ${flag}`);
  }
  assert.equal(none.code, 2);
  assert.match(none.stdout + none.stderr, /usage: bitspike fbnn-er <run\|report>/);
});

test('bitspike fbnn-er run/report: argument errors name the flag and write nothing', async (t) => {
  const dir = tmpDir(t);
  const out = path.join(dir, 'r.json');
  const ok = ['--config', path.join(dir, 'c.json'), '--kind', 'latent', '--out', out];
  const without = (flag: string): string[] => { const i = ok.indexOf(flag); return [...ok.slice(0, i), ...ok.slice(i + 2)]; };
  const cases: [string[], string, RegExp][] = [
    [['fbnn-er', 'frob'], 'fbnn-er', /^unknown subcommand 'frob'/],
    [['fbnn-er', 'run', ...without('--config')], 'fbnn-er run', /^--config is required$/],
    [['fbnn-er', 'run', ...without('--out')], 'fbnn-er run', /^--out is required$/],
    [['fbnn-er', 'run', ...without('--kind'), '--kind', 'sideways'], 'fbnn-er run', /^--kind must be latent or native, got "sideways"$/],
    [['fbnn-er', 'run', ...ok, '--budgets', '1,x'], 'fbnn-er run', /^--budgets expects comma-separated numbers, got 'x'$/],
    [['fbnn-er', 'run', ...ok, '--budgets', '1,-2'], 'fbnn-er run', /^--budgets must be positive Mb values$/],
    [['fbnn-er', 'run', ...ok, '--lambdas', '0.5,2'], 'fbnn-er run', /^--lambdas must lie in \[0, 1\]/],
    [['fbnn-er', 'run', ...ok, '--kind', 'native'], 'fbnn-er run', /^--kind is given more than once/],
    [['fbnn-er', 'run', ...ok, '--set', 'noequals'], 'fbnn-er run', /^--set expects path=value/],
    [['fbnn-er', 'run', ...ok, '--cache', '--set', 'a=1'], 'fbnn-er run', /^--cache expects a string value, got the flag '--set'/],
    [['fbnn-er', 'run', ...ok, 'extra'], 'fbnn-er run', /^unexpected argument 'extra'$/],
    [['fbnn-er', 'report', '--img-dir', dir, '--prefix', 'p'], 'fbnn-er report', /^--results is required$/],
    [['fbnn-er', 'report', '--results', out, '--img-dir', dir, '--prefix', 'p', '--set', 'a=1'], 'fbnn-er report', /^unknown flag --set/],
  ];
  const rs = await Promise.all(cases.map(([args]) => bitspike(args)));
  cases.forEach(([args, command, re], i) => assert.match(usageErrorMessage(rs[i], command), re, `bitspike ${args.join(' ')}`));
  // A config that cannot be read is a configuration error: exit 2, the file named, the same shape.
  const missing = await bitspike(['fbnn-er', 'run', ...ok]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^bitspike fbnn-er( run)?: .*c\.json: cannot read.*\n\(see bitspike fbnn-er( run)? --help\)\n$/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing written');
});
