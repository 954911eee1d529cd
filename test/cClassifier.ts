// Compiles an exported C99 classifier (the <name>.h / <name>.c that exportC writes, with its
// <NAME>_CLASS_IDS table) with a strict command line, feeds it uint8 images on stdin and returns the
// class id it prints for each: how the tests check that deployed C predicts what bitspike predicts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function classifyWithC(cc: string, name: string, files: { header: string; source: string }, images: Uint8Array): number[] {
  const N = name.toUpperCase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-c-'));
  try {
    fs.writeFileSync(path.join(dir, `${name}.h`), files.header);
    fs.writeFileSync(path.join(dir, `${name}.c`), files.source);
    fs.writeFileSync(path.join(dir, 'main.c'), `#include <stdio.h>
#include <stdint.h>
#include "${name}.h"
int main(void) {
  static uint8_t img[${N}_HEIGHT * ${N}_WIDTH * ${N}_CHANNELS];
  static const int32_t ids[${N}_CLASSES] = ${N}_CLASS_IDS;
  int32_t scores[${N}_CLASSES];
  while (fread(img, 1, sizeof img, stdin) == sizeof img) printf("%ld\\n", (long)ids[${name}_predict(img, scores)]);
  return 0;
}
`);
    const exe = path.join(dir, 'run');
    execFileSync(cc, ['-std=c99', '-O2', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, `${name}.c`, 'main.c'], { cwd: dir });
    return execFileSync(exe, { input: images, maxBuffer: 16 << 20 }).toString().trim().split('\n').map(Number);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
