// Fails (exit 1) when the project's own modules import each other in a cycle. Cycles make load order
// matter (a module can see another's exports as undefined while both are still initializing) and
// tie layers that should stack, so `npm run lint` refuses them. Every import counts — static,
// `import type`, `export … from` and dynamic `import()` — because a type-only cycle still couples
// two modules at design time. Specifiers are resolved with TypeScript's own module resolution (the
// nearest tsconfig.json's options), so `./x.js` finds `x.ts` exactly as tsc and the bundler do.
//
// Usage: node scripts/check-cycles.mjs [--root DIR] [FOLDER ...]
//   FOLDER defaults to the project's source folders; --root defaults to this repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const DEFAULT_FOLDERS = ['src', 'test', 'bench', 'web', 'examples', 'asm', 'scripts'];
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'build', 'dist', '.git']);

function listSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : listSources(p);
    return SOURCE.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Compiler options of the tsconfig.json nearest to `file` (inside root), cached per folder. */
function optionsFor(file, root, cache) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (cache.has(dir)) return cache.get(dir);
    const cfg = join(dir, 'tsconfig.json');
    if (existsSync(cfg)) {
      const read = ts.readConfigFile(cfg, ts.sys.readFile);
      if (read.error) throw new Error(`check-cycles: cannot read ${cfg}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
      const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, dir, undefined, cfg);
      cache.set(dir, options);
      return options;
    }
    if (dir === root || dirname(dir) === dir) {
      const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowJs: true };
      cache.set(dir, options);
      return options;
    }
  }
}

/** Import graph over the project's files: file → files it imports (both absolute paths). */
export function importGraph(root, folders = DEFAULT_FOLDERS) {
  root = resolve(root);
  const files = folders.map((f) => join(root, f)).filter((d) => existsSync(d) && statSync(d).isDirectory()).flatMap(listSources);
  const known = new Set(files);
  const optionCache = new Map();
  const graph = new Map();
  for (const file of files) {
    const options = { ...optionsFor(file, root, optionCache), allowJs: true };
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = new Set();
    for (const { fileName } of importedFiles) {
      const r = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule;
      if (!r || r.isExternalLibraryImport) continue;
      const target = resolve(r.resolvedFileName);
      if (known.has(target)) deps.add(target);
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/**
 * Strongly connected components with more than one file (or a file importing itself), each as
 * { files: the component, sorted; path: one shortest cycle a → b → … → a through its first file },
 * so the message names imports to cut and how many files are knotted together.
 */
export function findCycles(graph) {
  let counter = 0;
  const index = new Map(), low = new Map(), onStack = new Set(), stack = [], sccs = [];
  // Iterative Tarjan: deep import chains must not overflow the JS stack.
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter); low.set(start, counter); counter++;
    stack.push(start); onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const deps = graph.get(v) ?? [];
      if (i < deps.length) {
        frame[1]++;
        const w = deps[i];
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++;
          stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) { const u = work[work.length - 1][0]; low.set(u, Math.min(low.get(u), low.get(v))); }
      if (low.get(v) === index.get(v)) {
        const scc = [];
        let w;
        do { w = stack.pop(); onStack.delete(w); scc.push(w); } while (w !== v);
        if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) sccs.push(scc);
      }
    }
  }
  return sccs.map((scc) => ({ files: scc.sort(), path: cyclePath(graph, new Set(scc)) }))
    .sort((a, b) => (a.files[0] < b.files[0] ? -1 : 1));
}

/** Shortest cycle through the component's first file (breadth-first inside the component). */
function cyclePath(graph, members) {
  const start = [...members].sort()[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  throw new Error(`check-cycles: no cycle through ${start} (internal error)`);
}

function main(argv) {
  let root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const folders = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) { console.error('check-cycles: --root needs a folder'); return 2; }
      root = v;
    } else if (argv[i].startsWith('--')) {
      console.error(`check-cycles: unknown flag ${argv[i]} (usage: check-cycles.mjs [--root DIR] [FOLDER ...])`);
      return 2;
    } else folders.push(argv[i]);
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) { console.error(`check-cycles: --root ${root} is not a folder`); return 2; }
  const graph = importGraph(root, folders.length ? folders : DEFAULT_FOLDERS);
  const cycles = findCycles(graph);
  const rel = (f) => relative(root, f).split(sep).join('/');
  if (cycles.length === 0) {
    console.log(`check-cycles: no import cycles among ${graph.size} files`);
    return 0;
  }
  console.error(`check-cycles: ${cycles.length} import cycle${cycles.length > 1 ? 's' : ''}:`);
  for (const { files, path } of cycles) {
    console.error(`  ${path.map(rel).join(' → ')}`);
    const others = files.filter((f) => !path.includes(f));
    if (others.length) console.error(`    (the same knot also holds ${others.map(rel).join(', ')})`);
  }
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
