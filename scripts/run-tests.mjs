// Runs every compiled *.test.js under build/test with node's test runner. Node 20 treats every .js
// file in a directory argument as a test, which would execute helpers and browser-only worker entries.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? find(p) : e.name.endsWith('.test.js') ? [p] : [];
  });
}

// tsc never deletes outputs, so a compiled test whose source was removed or renamed would still run:
// only tests with a source file beside the build count.
const hasSource = (js) => existsSync(relative('build', js).replace(/\.js$/, '.ts'));
const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['build/test']).flatMap((r) => (r.endsWith('.js') ? [r] : find(r))).filter(hasSource).sort();
if (files.length === 0) {
  console.error(`run-tests: no *.test.js files under ${roots.join(', ') || 'build/test'} (did the build run?)`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
