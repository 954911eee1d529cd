// Finds a Python that can import torch (and numpy) for side-by-side reference timings.
// Order: $BITSPIKE_PYTHON, a .venv-ref next to or above the repo, then python3 on PATH.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function findPython(module = 'torch'): string | undefined {
  const candidates = [process.env.BITSPIKE_PYTHON, join(repoRoot, '.venv-ref/bin/python3'), join(repoRoot, '../.venv-ref/bin/python3'), 'python3']
    .filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
      return py;
    } catch { /* try the next one */ }
  }
  return undefined;
}

/** Runs a reference script and parses its JSON-lines output. */
export function runPythonJsonLines(python: string, script: string, args: string[], env: Record<string, string> = {}): Record<string, unknown>[] {
  const out = execFileSync(python, [join(repoRoot, 'bench', 'py', script), ...args], {
    encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
