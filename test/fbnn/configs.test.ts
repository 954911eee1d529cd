// The shipped FBNN-ER configs run unchanged when a user supplies the data: here on tiny fixtures in
// the official layouts (CIFAR-100 binary, core50_128x128) with epochs and network shrunk by --set
// overrides; the data split, pre-training/deployment scenario, pixel depth and accounting are the configs' own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStudyConfig, runFbnnStudy } from '../../src/fbnn/study.js';
import { writeReport } from '../../src/fbnn/report.js';
import { cifar100Members, write, writeCore50 } from '../data/fixtures.js';

const CONFIGS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../configs');
const SMALL = ['pretrain.epochs=1', 'training.epochs=1', 'model.widths=[2,2,2]', 'model.groups=[1,1,1]', 'model.convsPerBlock=1', 'model.levels=1', 'model.latentBits=16', 'model.hidden=[]'];

function tmp(t: { after(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-fbnn-configs-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('every fbnn-*.json config parses, and names its file', () => {
  const files = fs.readdirSync(CONFIGS).filter((f) => /^fbnn-.*\.json$/.test(f));
  assert.ok(files.length >= 5, files.join(', '));
  for (const f of files) assert.equal(loadStudyConfig(path.join(CONFIGS, f)).name, f.replace(/\.json$/, ''));
  assert.throws(() => loadStudyConfig(path.join(CONFIGS, 'fbnn-fashion.json'), ['strategy.lossBalanc=0.5']), /config\.strategy\.lossBalanc: unknown key/);
  assert.throws(() => loadStudyConfig(path.join(CONFIGS, 'fbnn-fashion.json'), ['pretrain=null']), /needs a pretrain section/);
  assert.throws(() => loadStudyConfig(path.join(CONFIGS, 'fbnn-fashion.json'), ['strategy={"name":"lwf"}']), /strategy\.name must be native-replay or latent-replay/);
  assert.throws(() => loadStudyConfig(path.join(CONFIGS, 'fbnn-fashion.json'), ['model.groups=[1]']), /model\.groups: 1 entries for 3 widths/);
});

test('CIFAR-100 configs (50 pre-training classes, then 5 × 10 and 25 × 2) run on a CIFAR-100 binary fixture', async (t) => {
  const root = tmp(t);
  process.env.BITSPIKE_CACHE = path.join(root, 'cache');
  for (const m of cifar100Members(1)) write(path.join(root, 'cifar100', m.name), m.data);
  for (const [file, tasks, per] of [['fbnn-cifar100-b50-inc10.json', 5, 10], ['fbnn-cifar100-b50-inc2.json', 25, 2]] as const) {
    for (const kind of ['latent', 'native'] as const) {
      const cfg = loadStudyConfig(path.join(CONFIGS, file), [...SMALL, `data.dataDir=${root}`]);
      const r = await runFbnnStudy(cfg, { kind, budgetsMb: [0.05, 2], lambdas: [], cacheDir: path.join(root, 'fbnn'), out: path.join(root, `${kind}-${file}`) });
      assert.equal(r.data.baseClasses.length, 50);
      assert.deepEqual(r.data.baseClasses.slice(0, 3), [0, 1, 2], 'the first 50 classes pre-train');
      assert.equal(r.data.deploymentTasks.length, tasks, file);
      assert.ok(r.data.deploymentTasks.every((c) => c.length === per));
      assert.equal(r.data.wholeSetMb, (50 * 32 * 32 * 3 * 7) / 1e6, 'one image per class at 7-bit pixels');
      const big = r.runs[1];
      assert.ok(big.feasible);
      assert.equal(big.plan.capacity % 50, 0);
      assert.equal(big.tasks.length, tasks);
      if (kind === 'latent') assert.equal(r.runs[0].plan.capacity, 50 * Math.floor(50_000 / 16 / 50));
      else assert.equal(r.runs[0].feasible, false, '0.05 Mb cannot hold one 21,504-bit image per class');
    }
  }
  const md = writeReport([path.join(root, 'latent-fbnn-cifar100-b50-inc10.json'), path.join(root, 'native-fbnn-cifar100-b50-inc10.json')], path.join(root, 'img'), 'c100');
  assert.match(md, /\| LR, semi-sup\. \(rotation\), λ=0\.5 \| 0\.05 \|/);
  assert.match(md, /\| NR, semi-sup\. \(rotation\), λ=0\.5 \| 0\.05 \| 0 \(budget < 1 sample\/class\)/);
  assert.ok(fs.readFileSync(path.join(root, 'img', 'c100-final.svg'), 'utf8').startsWith('<svg'));
});

test('CORe50 config runs on a core50_128x128 fixture (object level, 10 pre-training objects, 8 tasks of 5)', async (t) => {
  const root = tmp(t);
  process.env.BITSPIKE_CACHE = path.join(root, 'cache');
  writeCore50(root, 1);
  const cfg = loadStudyConfig(path.join(CONFIGS, 'fbnn-core50.json'), [...SMALL, `data.dataDir=${root}`]);
  const r = await runFbnnStudy(cfg, { kind: 'latent', budgetsMb: [0.01], lambdas: [0.5, null], cacheDir: null, out: null });
  assert.equal(r.data.baseClasses.length, 10);
  assert.equal(r.data.deploymentTasks.length, 8);
  assert.equal(r.data.deploymentTest, 40 * 3, 'one frame per object in test sessions 3, 7, 10');
  assert.equal(r.data.deploymentTrain, 40 * 8, 'one frame per object in the 8 training sessions');
  assert.equal(r.runs.length, 2);
  assert.equal(r.runs[0].plan.capacity, 40 * Math.floor(10_000 / 16 / 40));
});
