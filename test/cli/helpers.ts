// Runs the built `bitspike` entry point in a child process, as a user would, and collects its exit
// status and output (the tests live in build/test/cli, the CLI in build/src/cli).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult { code: number; stdout: string; stderr: string }

export async function bitspike(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  try {
    const r = await promisify(execFile)(process.execPath, [MAIN, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: unknown; stdout: string; stderr: string };
    if (typeof x.code !== 'number') throw e;
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/**
 * Asserts the one shape of a usage or configuration error: exit status 2, nothing on stdout, and on
 * stderr `bitspike <command>: <message>` followed by the pointer to that command's --help.
 */
export function usageErrorMessage(r: CliResult, command: string): string {
  const lines = r.stderr.trimEnd().split('\n');
  const head = `bitspike ${command}: `;
  if (r.code !== 2 || r.stdout !== '' || lines.length !== 2 || !lines[0].startsWith(head) || lines[1] !== `(see bitspike ${command} --help)`) {
    throw new Error(`expected a usage error of '${command}' (exit 2, stderr '${head}…' then '(see bitspike ${command} --help)'), got exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return lines[0].slice(head.length);
}

export function tmpDir(t: TestContext, prefix = 'bitspike-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
