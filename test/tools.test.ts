// The skip-or-fail policy of test/tools.ts: a missing tool skips locally and fails under CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tool } from './tools.js';

test('a missing tool skips with how to get it locally, and fails under CI', () => {
  const local = tool('frobnicator', undefined, 'apt-get install frobnicator', false);
  assert.equal(local.skip, 'frobnicator not found (apt-get install frobnicator)');
  const ci = tool('frobnicator', undefined, 'apt-get install frobnicator', true);
  assert.equal(ci.skip, false, 'under CI the test runs');
  assert.throws(() => ci.need(), /^Error: CI: frobnicator is required and was not found \(apt-get install frobnicator\)$/);
  for (const inCI of [false, true]) {
    const found = tool('cc', '/usr/bin/cc', 'install gcc', inCI);
    assert.equal(found.skip, false);
    assert.equal(found.need(), '/usr/bin/cc');
  }
});

test('CI is read from the environment: set and not false/0 means CI', () => {
  const tools = fileURLToPath(new URL('./tools.js', import.meta.url));
  const probe = (ci: string | undefined): string => {
    const env = { ...process.env };
    if (ci === undefined) delete env.CI; else env.CI = ci;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { underCI } from ${JSON.stringify(tools)}; process.stdout.write(String(underCI));`], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.deepEqual([undefined, '', 'false', '0', 'FALSE', 'true', '1', 'yes'].map(probe), ['false', 'false', 'false', 'false', 'false', 'true', 'true', 'true']);
});
