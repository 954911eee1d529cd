// scripts/check-cycles.mjs, the lint step that refuses import cycles, run on tiny throw-away
// projects: it must fail on every kind of import that closes a cycle and pass once it is cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'check-cycles.mjs');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bitspike-cycles-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

function check(dir: string, ...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [script, '--root', dir, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function withProject(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = project(files);
  try { body(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('an acyclic project passes and reports how many files it read', () => {
  withProject({
    'src/a.ts': "import { b } from './b.js';\nexport const a = b + 1;\n",
    'src/b.ts': "import { c } from './lib/c.js';\nexport const b = c;\n",
    'src/lib/c.ts': 'export const c = 1;\n',
    'test/a.test.ts': "import { a } from '../src/a.js';\nimport ts from 'typescript';\nexport const t = [a, ts];\n",
  }, (dir) => {
    const r = check(dir);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /no import cycles among 4 files/);
  });
});

test('a cycle closed by an `import type` fails and names the path', () => {
  withProject({
    'src/registry.ts': "import { one } from './strategies/one.js';\nexport const ALL = { one };\n",
    'src/strategies/one.ts': "import type { Entry } from '../registry.js';\nexport const one = 1 as unknown as Entry;\n",
  }, (dir) => {
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.err, /1 import cycle:/);
    assert.match(r.err, /src\/registry\.ts → src\/strategies\/one\.ts → src\/registry\.ts/);
  });
});

test('cycles through re-exports, dynamic import() and across folders fail; a self-import too', () => {
  withProject({
    'src/a.ts': "export * from './b.js';\n",
    'src/b.ts': "export const load = () => import('../bench/c.js');\n",
    'bench/c.ts': "import '../src/a.js';\n",
    'web/self.ts': "import { x as y } from './self.js';\nexport const x = 1;\nexport const z = y;\n",
  }, (dir) => {
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.err, /2 import cycles:/);
    assert.match(r.err, /bench\/c\.ts → src\/a\.ts → src\/b\.ts → bench\/c\.ts/);
    assert.match(r.err, /web\/self\.ts → web\/self\.ts/);
  });
});

test('a knot of several cycles is reported once, with every file in it', () => {
  withProject({
    'src/a.ts': "import './b.js';\nimport './c.js';\n",
    'src/b.ts': "import './a.js';\n",
    'src/c.ts': "import './a.js';\n",
  }, (dir) => {
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.err, /1 import cycle:/);
    assert.match(r.err, /src\/a\.ts → src\/b\.ts → src\/a\.ts/);
    assert.match(r.err, /the same knot also holds src\/c\.ts/);
  });
});

test('only the named folders are read; bad arguments exit 2 with a message', () => {
  withProject({
    'src/a.ts': "import './b.js';\n",
    'src/b.ts': "import './a.js';\n",
    'test/ok.ts': 'export {};\n',
  }, (dir) => {
    assert.equal(check(dir, 'test').status, 0);
    assert.equal(check(dir, 'src').status, 1);
    const flag = check(dir, '--fix');
    assert.equal(flag.status, 2);
    assert.match(flag.err, /unknown flag --fix/);
    const missing = spawnSync(process.execPath, [script, '--root', join(dir, 'nope')], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--root .*nope is not a folder/);
    const empty = spawnSync(process.execPath, [script, '--root'], { encoding: 'utf8' });
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--root needs a folder/);
  });
});
