// `bitspike demo`: argument errors, and a --quick comparison end to end through the binary: the
// table, the GBM line, the run folders and demo.json agree, and the replay buffers get GBM's bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bitspike, tmpDir, usageErrorMessage } from './helpers.js';

test('bitspike demo: argument errors name the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--methods', 'gbm,nope'], /^--methods: unknown method 'nope' \(known: gbm, latent-replay, native-replay, finetune, joint\)$/],
    [['--methods', 'gbm,gbm'], /^--methods lists a method twice/],
    [['--backbone', 'ternary'], /^--backbone must be binary or float, got 'ternary'$/],
    [['--memory-bits', '1000'], /^--memory-bits is taken from GBM when gbm runs/],
    [['--methods', 'latent-replay'], /^the replay methods get GBM's memory bits; include gbm in --methods or set --memory-bits$/],
    [['--epochs', '0'], /^--epochs must be a positive integer, got 0$/],
    [['--workers', '1.5'], /^--workers must be a positive integer, got 1.5$/],
    [['extra'], /^unexpected argument 'extra'$/],
    [['--seed', '1', '--seed', '2'], /^--seed is given more than once/],
    [['--out', '--quick'], /^--out expects a string value, got the flag '--quick'/],
    [['--quik'], /^unknown flag --quik \(known: --quick, /],
  ];
  const rs = await Promise.all(cases.map(([args]) => bitspike(['demo', ...args])));
  rs.forEach((r, i) => assert.match(usageErrorMessage(r, 'demo'), cases[i][1], cases[i][0].join(' ')));
  const help = await bitspike(['demo', '--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--quick', '--backbone', '--methods', '--memory-bits', '--workers', '--out']) assert.ok(help.stdout.includes(flag), `demo --help lists ${flag}`);
});

test('bitspike demo --quick: GBM, latent and native replay at GBM\'s bits, fine-tuning below; table, last line and files agree', { timeout: 300_000 }, async (t) => {
  const out = path.join(tmpDir(t), 'demo');
  const r = await bitspike(['demo', '--quick', '--quiet', '--methods', 'gbm,latent-replay,native-replay,finetune', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const demo = JSON.parse(fs.readFileSync(path.join(out, 'demo.json'), 'utf8')) as {
    replayBufferBits: number; rows: { method: string; averageIncrementalAccuracy: number; finalAccuracy: number; memoryBits: number; modelBits: number; totalBits: number }[];
  };
  // GBM models the 784 one-bit input planes: 10 digits × K = 3 × (784 u8 prototypes + a u8 weight).
  assert.equal(demo.replayBufferBits, 10 * 3 * (784 * 8 + 8));
  const row = Object.fromEntries(demo.rows.map((x) => [x.method, x]));
  assert.deepEqual(Object.keys(row), ['gbm', 'latent-replay', 'native-replay', 'finetune']);
  assert.equal(row.gbm.memoryBits, demo.replayBufferBits);
  // Equal memory: each class-balanced buffer holds as many samples per digit as fit in GBM's bits
  // (short by less than one sample per digit): 256-bit latents or 784-bit images, each with a 4-bit label.
  const within = (bits: number, perSample: number): boolean => bits <= demo.replayBufferBits && bits > demo.replayBufferBits - 10 * perSample;
  assert.ok(within(row['latent-replay'].memoryBits, 256 + 4), `latent replay ${row['latent-replay'].memoryBits} bits`);
  assert.ok(within(row['native-replay'].memoryBits, 784 + 4), `native replay ${row['native-replay'].memoryBits} bits`);
  assert.equal(row.finetune.memoryBits, 0);
  // One fully binary model for all: 784·256 + 256·256 one-bit weights, 512 gains + 512 biases at 32 bits, 10 binary head rows.
  for (const m of Object.values(row)) assert.equal(m.modelBits, 784 * 256 + 256 * 256 + 32 * 1024 + 10 * 256 + 10 * 4);
  // Measured on this seed: GBM Ā 89.2%, A_T 81.3%; fine-tuning keeps only the last two digits (A_T 18.3%).
  assert.ok(row.gbm.finalAccuracy > 0.7, `GBM final accuracy ${row.gbm.finalAccuracy}`);
  assert.ok(row.finetune.finalAccuracy < 0.25, `fine-tuning final accuracy ${row.finetune.finalAccuracy}`);
  assert.ok(row.gbm.finalAccuracy > row['latent-replay'].finalAccuracy, 'GBM above latent replay at equal bits');
  // The per-method run folders hold the same numbers, and the last line restates GBM's.
  const gbm = JSON.parse(fs.readFileSync(path.join(out, 'gbm', 'results.json'), 'utf8'));
  assert.equal(gbm.summary.finalAccuracy, row.gbm.finalAccuracy);
  assert.equal(gbm.memory.totalBits, row.gbm.totalBits);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[lines.length - 1], `GBM: average incremental accuracy ${(100 * row.gbm.averageIncrementalAccuracy).toFixed(1)}%, ` +
    `final accuracy ${(100 * row.gbm.finalAccuracy).toFixed(1)}%, whole learner ${(row.gbm.totalBits / 8000).toFixed(1)} kB (model + memory)`);
  const table = lines.filter((l) => /^(gbm|latent-replay|native-replay|finetune)\b/.test(l));
  assert.equal(table.length, 4, r.stdout);
  // `bitspike report <demo folder>` plots every method's run.
  const rep = await bitspike(['report', out]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /\(4 runs\)/);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  for (const name of ['gbm (K=3', 'latent-replay (binary latents', 'native-replay (class-balanced', 'finetune']) assert.ok(html.includes(name), `report names ${name}`);
});
