// The shipped experiment configs (configs/*.json) run unchanged through `bitspike cil`'s runner when
// a user supplies the data: here on tiny fixtures in the official layouts (CIFAR-100 binary,
// tiny-imagenet-200, core50_128x128), with epochs = 1 and the backbone shrunk (model width) so the
// suite stays fast — the data, scenario, class order, strategy and memory accounting are the configs' own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyOverride, parseConfig, readConfigFile } from '../../src/cil/config.js';
import { runExperiment } from '../../src/cil/runner.js';
import { runFrozenStudy } from '../../src/cil/frozen/study.js';
import { cifar100Members, write, writeCore50, writeTinyImageNet } from '../data/fixtures.js';

const CONFIGS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../configs');

function tmp(t: { after(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-gbm-configs-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function runConfig(file: string, dataDir: string, sets: string[]) {
  const raw = readConfigFile(path.join(CONFIGS, file)) as Record<string, unknown>;
  for (const s of ['training.epochs=1', `data.dataDir=${dataDir}`, ...sets]) applyOverride(raw, s);
  return runExperiment(parseConfig(raw, file), { outDir: null });
}

test('every shipped GBM config (configs/gbm-*.json) parses as a `bitspike cil` config', () => {
  // Other configs/ files belong to other commands (e.g. fbnn-*.json for FBNN-ER) with their own format.
  const files = fs.readdirSync(CONFIGS).filter((f) => f.startsWith('gbm-') && f.endsWith('.json'));
  assert.ok(files.length >= 10, `${files.length} configs`);
  for (const f of files) {
    const c = parseConfig(readConfigFile(path.join(CONFIGS, f)), f);
    assert.equal(c.name, f.replace(/\.json$/, ''), `${f}: name matches the file`);
  }
});

/** A shipped frozen-encoder config on fixture data: one base epoch, one classifier epoch, backbone shrunk. */
async function runFrozenConfig(file: string, dataDir: string, cacheDir: string) {
  const raw = readConfigFile(path.join(CONFIGS, file)) as Record<string, unknown>;
  for (const s of ['training.epochs=1', 'frozen.classifier.epochs=1', `data.dataDir=${dataDir}`, 'model.width=2', 'model.blocks=[1,1]']) applyOverride(raw, s);
  return runFrozenStudy(parseConfig(raw, file), { cacheDir });
}

test('CIFAR-100 B50 configs (5, 10 and 25 incremental steps) run every method on a CIFAR-100 binary fixture', async (t) => {
  const root = tmp(t);
  process.env.BITSPIKE_CACHE = path.join(root, 'cache');
  for (const m of cifar100Members(1)) write(path.join(root, 'cifar100', m.name), m.data);
  for (const [file, steps] of [['gbm-cifar100-b50-inc10.json', 6], ['gbm-cifar100-b50-inc5.json', 11], ['gbm-cifar100-b50-inc2.json', 26]] as const) {
    const r = await runFrozenConfig(file, root, path.join(root, 'base'));
    assert.equal(r.scenario.steps, steps, file);
    // numpy seed 1993 order: the common CIFAR-100 class order starts 68, 56, 78, 8, 23.
    assert.deepEqual(r.scenario.classOrder.slice(0, 5), [68, 56, 78, 8, 23]);
    for (const m of r.methods) {
      assert.equal(m.steps.length, steps, `${file} ${m.label}`);
      assert.ok(m.steps.every((x) => x.accuracy >= 0 && x.accuracy <= 1));
    }
    // One training image per class: K = 3 is reduced to 1 component per class (D = 4 bits, u8).
    const gbm = r.methods.find((m) => m.label === 'GBM (K=3, u8)')!;
    assert.equal(gbm.steps[steps - 1].memory.generator, 100 * 1 * (4 * 8 + 8), `${file}: 100 classes × K=1 × (D·8 + 8)`);
  }
});

test('TinyImageNet B100 configs run every method on a tiny-imagenet-200 fixture (64×64 input), sharing one base', async (t) => {
  const root = tmp(t);
  process.env.BITSPIKE_CACHE = path.join(root, 'cache');
  const wnids = Array.from({ length: 200 }, (_, i) => `n${String(10000000 + i * 7919).padStart(8, '0')}`);
  writeTinyImageNet(root, wnids, 1, 200);
  for (const [file, steps] of [['gbm-tinyimagenet-b100-inc20.json', 6], ['gbm-tinyimagenet-b100-inc10.json', 11]] as const) {
    const r = await runFrozenConfig(file, root, path.join(root, 'base'));
    assert.equal(r.scenario.steps, steps, file);
    assert.equal(r.base.cached, file.endsWith('inc10.json'), 'Inc10 reuses the base Inc20 trained (same 100 base classes)');
    assert.equal(r.features.train, 200);
    const gbm = r.methods.find((m) => m.label === 'GBM (K=3, u8)')!;
    assert.equal(gbm.steps[steps - 1].memory.generator, 200 * 1 * (4 * 8 + 8), 'one image per class: K reduced to 1');
  }
});

test('CORe50 FBNN config runs on a core50_128x128 fixture (object level, B10 Inc5, test sessions 3/7/10)', async (t) => {
  const root = tmp(t);
  process.env.BITSPIKE_CACHE = path.join(root, 'cache');
  writeCore50(root, 1);
  const r = await runConfig('gbm-core50-fbnn.json', root, ['model.widths=[4,8,8]', 'model.convsPerBlock=1', 'model.latentBits=32', 'model.levels=2']);
  assert.equal(r.tasks.length, 9);
  assert.equal(r.tasks[0].classes.length, 10);
  assert.equal(r.tasks[8].testSamples, 50 * 3, 'one frame per object in each of the 3 test sessions');
  // 8 training frames per object (one per training session): the configured K = 3 holds.
  assert.equal(r.memory.generatorBits, 50 * 3 * (32 * 8 + 8));
  assert.equal(r.memory.bufferBits, 0);
});
