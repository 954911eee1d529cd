import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/random.js';
import { BinaryNet } from '../../src/bnn/binaryNet.js';
import { fbnnSpec } from '../../src/bnn/fbnnLayout.js';
import { deploy } from '../../src/bnn/deploy.js';
import { exportC } from '../../src/bnn/exportC.js';
import { PackedNet } from '../../src/bnn/packedInference.js';
import { imageBytes } from '../../src/bnn/inputEncoding.js';
import { randomImages, randomizeAffine, randomSpec } from './helpers.js';
import { cCompiler } from '../tools.js';

const compiler = cCompiler();

const MAIN = (name: string, bytes: number, classes: number) => `#include <stdio.h>
#include <stdint.h>
#include "${name}.h"
int main(void) {
  static uint8_t img[${bytes}];
  int32_t scores[${classes}];
  while (fread(img, 1, ${bytes}, stdin) == ${bytes}) {
    int k, p = ${name}_predict(img, scores);
    printf("%d", p);
    for (k = 0; k < ${classes}; k++) printf(" %ld", (long)scores[k]);
    printf("\\n");
  }
  return 0;
}
`;

test('generated C99 compiles with -std=c99 -O2 and predicts exactly as the TypeScript packed engine', { skip: compiler.skip }, () => {
  const cc = compiler.need();
  const rng = new Rng(77);
  const specs = [
    fbnnSpec({ input: { height: 12, width: 12, channels: 3, levels: 5 }, classes: 6, widths: [8, 32, 64], groups: [1, 2, 4], convsPerBlock: 2, latentBits: 48, hidden: [20] }),
    randomSpec(rng), randomSpec(rng), randomSpec(rng),
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-c-'));
  try {
    specs.forEach((spec, t) => {
      const net = new BinaryNet(spec, rng.split());
      randomizeAffine(net, rng);
      const m = deploy(net), name = `net${t}`;
      const { header, source } = exportC(m, name);
      fs.writeFileSync(path.join(dir, `${name}.h`), header);
      fs.writeFileSync(path.join(dir, `${name}.c`), source);
      const bytes = imageBytes(m.input), n = 25;
      fs.writeFileSync(path.join(dir, `main${t}.c`), MAIN(name, bytes, m.classes));
      const exe = path.join(dir, `run${t}`);
      execFileSync(cc, ['-std=c99', '-O2', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, path.join(dir, `${name}.c`), path.join(dir, `main${t}.c`)], { cwd: dir });
      const images = randomImages(rng, n, bytes);
      const out = execFileSync(exe, { input: images }).toString().trim().split('\n');
      const ts = new PackedNet(m).predict(images, n);
      assert.equal(out.length, n);
      out.forEach((line, i) => {
        const [p, ...s] = line.split(' ').map(Number);
        assert.equal(p, ts.predictions[i], `net ${t} image ${i}`);
        assert.deepEqual(s, Array.from(ts.scores.subarray(i * m.classes, (i + 1) * m.classes)), `net ${t} image ${i} scores`);
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exportC rejects a name that is not a C identifier', () => {
  const m = deploy(new BinaryNet(randomSpec(new Rng(1)), new Rng(2)));
  assert.throws(() => exportC(m, '1bad-name'), /name must be a C identifier/);
});
