// External tools some tests need (headless Chromium, the real datasets under $BITSPIKE_DATA, Python
// with numpy, a C compiler). Locally a missing tool skips the test with a message saying how to get
// it; under CI (CI set and not 'false'/'0') a missing tool is a failure, because .ci/run installs
// them all and a silent skip there would hide a broken set-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findPython } from '../bench/python.js';

export const underCI = ((v) => v !== '' && v !== 'false' && v !== '0')((process.env.CI ?? '').toLowerCase());

export interface Tool<T> {
  /** What was found (a path, a command), or undefined. */
  readonly found: T | undefined;
  /** node:test's `skip` option: a reason locally when missing, false when found or under CI. */
  readonly skip: string | false;
  /** The tool, or (under CI, where the test was not skipped) an error saying what is missing and how to get it. */
  need(): T;
}

export function tool<T>(what: string, found: T | undefined, howToGet: string, ci = underCI): Tool<T> {
  return {
    found,
    skip: found !== undefined || ci ? false : `${what} not found (${howToGet})`,
    need(): T {
      if (found === undefined) throw new Error(`${ci ? 'CI: ' : ''}${what} is required and was not found (${howToGet})`);
      return found;
    },
  };
}

/** Headless Chromium for the browser and web-app tests (playwright-core drives the system browser). */
export function chromiumBrowser(): Tool<string> {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
  return tool('Chromium', found, '.ci/run installs Debian chromium; or set CHROMIUM_PATH');
}

/** A C99 compiler for the microcontroller-export test. */
export function cCompiler(): Tool<string> {
  const found = [process.env.CC, 'cc', 'gcc', 'clang'].find((cc) => cc && spawnSync(cc, ['--version']).status === 0);
  return tool('a C compiler (cc/gcc/clang)', found, 'install gcc, or set CC');
}

/** A python3 that imports numpy, for the numpy reference checks. */
export function pythonWithNumpy(): Tool<string> {
  return tool('python3 with numpy', findPython('numpy'), "install Debian python3-numpy, or set BITSPIKE_PYTHON to a python3 that can 'import numpy'");
}

/** A dataset folder under $BITSPIKE_DATA (e.g. 'fashion-mnist'); `found` is the data directory. */
export function dataset(name: string): Tool<string> {
  const dir = process.env.BITSPIKE_DATA || undefined;
  const found = dir && existsSync(path.join(dir, name)) ? dir : undefined;
  return tool(`${name}/ under $BITSPIKE_DATA`, found, dir ? `${path.join(dir, name)} does not exist` : 'set BITSPIKE_DATA to the folder holding mnist/, fashion-mnist/, cifar10/');
}
