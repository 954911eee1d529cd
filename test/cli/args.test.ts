// The strict flag parser every command uses: a value that is itself a flag, a single-value flag given
// twice, unknown flags and bad numbers are errors naming the flag; --set repeats and is checked in one
// place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, SET_FLAG, setOverrides, UsageError, type FlagSpecs } from '../../src/cli/args.js';

const SPECS: FlagSpecs = {
  'data-dir': { kind: 'string', help: 'd' },
  'no-cache': { kind: 'boolean', help: 'c' },
  seed: { kind: 'number', help: 's', default: 1 },
  lr: { kind: 'number', help: 'l' },
  set: SET_FLAG,
};

const fails = (argv: string[], re: RegExp) => assert.throws(() => parseArgs('x y', argv, SPECS),
  (e: unknown) => e instanceof UsageError && e.command === 'x y' && e.message.startsWith('x y: ') && re.test(e.message), `${argv.join(' ')} must fail with ${re}`);

test('parseArgs: values, defaults, positionals, = form and negative numbers', () => {
  const { flags, positional } = parseArgs('x y', ['mnist', '--data-dir', 'd', '--lr', '-0.5', '--no-cache', 'more'], SPECS);
  assert.deepEqual(flags, { 'data-dir': 'd', 'no-cache': true, seed: 1, lr: -0.5, set: [] });
  assert.deepEqual(positional, ['mnist', 'more']);
  // The = form states the value explicitly, even one that looks like a flag.
  assert.equal(parseArgs('x y', ['--data-dir=--odd'], SPECS).flags['data-dir'], '--odd');
  assert.equal(parseArgs('x y', ['--no-cache=false'], SPECS).flags['no-cache'], false);
});

test('parseArgs: a flag whose value is another flag is an error naming both', () => {
  fails(['--data-dir', '--no-cache'], /--data-dir expects a string value, got the flag '--no-cache'/);
  fails(['--seed', '--lr', '3'], /--seed expects a number value, got the flag '--lr'/);
  fails(['--set', '--seed'], /--set expects a string value, got the flag '--seed'/);
  fails(['--data-dir'], /--data-dir expects a string value$/);
});

test('parseArgs: a single-value flag given twice is an error, whatever the form', () => {
  fails(['--seed', '1', '--seed', '2'], /--seed is given more than once/);
  fails(['--seed=1', '--seed', '1'], /--seed is given more than once/);
  fails(['--data-dir', 'a', '--data-dir=b'], /--data-dir is given more than once/);
  fails(['--no-cache', '--no-cache'], /--no-cache is given more than once/);
});

test('parseArgs: unknown flags, bad numbers and bad booleans are named', () => {
  fails(['--dta-dir', 'd'], /unknown flag --dta-dir \(known: --data-dir, --no-cache, --seed, --lr, --set\)/);
  fails(['--seed', 'three'], /--seed expects a number, got 'three'/);
  fails(['--seed', ''], /--seed expects a number, got ''/);
  fails(['--no-cache=yes'], /--no-cache expects true or false, got 'yes'/);
  assert.throws(() => parseArgs('x', [], { n: { kind: 'number', help: '', repeatable: true } }), /only string flags can repeat/);
});

test('--set: repeats in order, both forms, and every assignment reads path=value', () => {
  const { flags } = parseArgs('x y', ['--set', 'training.epochs=3', '--set=strategy={"name":"gbm"}', '--set', 'a.b=--c'], SPECS);
  assert.deepEqual(setOverrides('x y', flags), ['training.epochs=3', 'strategy={"name":"gbm"}', 'a.b=--c']);
  assert.deepEqual(setOverrides('x y', parseArgs('x y', [], SPECS).flags), []);
  for (const bad of ['training.epochs', '=3', 'training..epochs=3', '.epochs=3', 'training.=3']) {
    assert.throws(() => setOverrides('x y', parseArgs('x y', ['--set', bad], SPECS).flags),
      (e: unknown) => e instanceof UsageError && e.message === `x y: --set expects path=value (e.g. training.epochs=3), got '${bad}'`, bad);
  }
});
