// Finds a Python that can import torch (and numpy) for side-by-side reference timings.
// Order: $BITSPIKE_PYTHON, a .venv-ref next to or above the repo, then python3 on PATH.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
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

/**
 * A long-running reference script that answers one JSON line per JSON-line request (torch_ref.py
 * --serve): the bench can then interleave PyTorch and bitspike timings without paying Python's
 * start-up for each. Requests are answered in order; `close` ends the script (EOF on its stdin).
 */
export class PythonServer {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private buffered = '';
  private exited: Error | undefined;

  constructor(python: string, script: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(python, [join(repoRoot, 'bench', 'py', script), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl).trim();
        this.buffered = this.buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const w = this.waiting.shift();
        if (!w) continue;
        const res = JSON.parse(line) as Record<string, unknown>;
        if (typeof res.error === 'string') w.reject(new Error(`${script}: ${res.error}`));
        else w.resolve(res);
      }
    });
    const fail = (e: Error) => {
      this.exited = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.child.on('error', fail);
    this.child.stdin.on('error', () => { /* EPIPE after the script died: reported by 'exit' */ });
    this.child.on('exit', (code, signal) => fail(new Error(`${script} exited (${signal ?? code})`)));
  }

  request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
