// Experiments run side by side in worker threads give exactly what they give alone in this thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/cil/config.js';
import { runExperiment } from '../../src/cil/runner.js';
import { runExperimentsInParallel } from '../../src/cli/parallelRuns.js';
import { tinyConfig } from '../cil/helpers.js';

test('runExperimentsInParallel: results in job order, identical to in-thread runs; a failing run rejects with its message', async () => {
  const cfgs = [tinyConfig({ name: 'gbm', layer: 1, components: 2 }), tinyConfig({ name: 'finetune' }), tinyConfig({ name: 'native-replay', pixelBits: 1 })]
    .map((c) => parseConfig(c));
  const seen: number[] = [];
  const par = await runExperimentsInParallel(cfgs.map((config) => ({ config, outDir: null })), {
    workers: 2, cost: (_j, i) => i, onTask: (i, r) => { if (r.task === 4) seen.push(i); },
  });
  assert.deepEqual([...seen].sort(), [0, 1, 2], 'every run reported its last task');
  for (const [i, cfg] of cfgs.entries()) {
    const alone = await runExperiment(cfg, { outDir: null });
    assert.deepEqual(par[i], alone, `run ${i} (${cfg.strategy.name})`);
  }
  const bad = parseConfig(tinyConfig({ name: 'finetune' }, { data: { dataset: 'no-such-dataset', scenario: 'B0 Inc2' } }));
  await assert.rejects(runExperimentsInParallel([{ config: bad, outDir: null }], { workers: 1 }), /no-such-dataset/);
  await assert.rejects(runExperimentsInParallel([], { workers: 0 }), /workers must be a positive integer/);
});
