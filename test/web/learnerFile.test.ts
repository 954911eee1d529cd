// The learner file shared by the web app and Node: round trip, checks on damaged files and specs,
// and `bitspike predict` on a saved file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_BUDGET } from '../../src/cil/budget.js';
import { createLearner, decodeLearnerFile, encodeLearnerFile, LearnerFileError, loadLearnerFile, restoreLearner, type LearnerSpec } from '../../src/cil/learnerFile.js';
import { Learner, type LearnerState } from '../../src/cil/learner.js';
import { makeSamples, type Samples } from '../../src/cil/samples.js';
import { Rng } from '../../src/engine/random.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIM = 784;

/** Synthetic "images": each class lights a different band of pixels, plus noise. */
function task(classes: number[], perClass: number, rng: Rng): Samples {
  const n = classes.length * perClass;
  const x = new Uint8Array(n * DIM), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = classes[i % classes.length];
    y[i] = c;
    for (let d = 0; d < DIM; d++) x[i * DIM + d] = (Math.floor(d / 50) === c ? 200 : 0) + rng.int(40);
  }
  return makeSamples(x, y, DIM);
}

const spec = (strategy: LearnerSpec['strategy']): LearnerSpec => ({
  model: { kind: 'mlp', hidden: [32, 16] }, inputDim: DIM, numClasses: 16,
  training: { epochs: 1, batchSize: 16, lr: 1e-2, optimizer: 'adam' },
  budget: DEFAULT_BUDGET, strategy, seed: 3,
});
const GBM = { name: 'latent-replay', options: { source: 'gbm', format: 'binary' } };

test('learner file: GBM learner round-trips with identical predictions, memory and state', () => {
  const s = spec(GBM);
  const learner = createLearner(s);
  const rng = new Rng(5);
  learner.learnTask(task([0, 1], 20, rng));
  learner.learnTask(task([2, 3], 20, rng));
  const bytes = encodeLearnerFile(s, learner, { note: 'hello' });
  assert.deepEqual(encodeLearnerFile(s, learner, { note: 'hello' }), bytes, 'encoding is deterministic');
  const { learner: back, meta, spec: s2 } = loadLearnerFile(bytes);
  assert.equal(meta.note, 'hello');
  assert.equal(s2.strategy.options.source, 'gbm');
  const probe = task([0, 1, 2, 3], 10, new Rng(9));
  assert.deepEqual(back.predict(probe), learner.predict(probe));
  assert.deepEqual(back.memory(), learner.memory());
  assert.ok(learner.memory().generatorBits > 0);
  assert.deepEqual(back.state(), learner.state());
  // Both continue identically (same PRNG, optimizer and GBM state).
  const next = task([4, 5], 10, new Rng(11));
  learner.learnTask(next); back.learnTask(next);
  assert.deepEqual(back.state(), learner.state());
});

test('learner file: a latent-replay learner saved after its first task restores and continues identically', () => {
  const s = spec(GBM);
  const learner = createLearner(s);
  learner.learnTask(task([0, 1], 20, new Rng(6)));
  const back = loadLearnerFile(encodeLearnerFile(s, learner)).learner;
  const probe = task([0, 1], 10, new Rng(7));
  assert.deepEqual(back.predict(probe), learner.predict(probe));
  const next = task([2, 3], 10, new Rng(8));
  learner.learnTask(next); back.learnTask(next);
  assert.deepEqual(back.state(), learner.state());
});

test('learner file: damaged bytes are refused with the reason', () => {
  const s = spec({ name: 'finetune', options: {} });
  const learner = createLearner(s);
  learner.learnTask(task([0, 1], 8, new Rng(1)));
  const good = encodeLearnerFile(s, learner);
  assert.throws(() => decodeLearnerFile(good.subarray(0, 10), 'x.bslearner'), /x\.bslearner: 10 bytes is too short/);
  const magic = good.slice(); magic[0] = 0x50;
  assert.throws(() => decodeLearnerFile(magic), /not a bitspike learner file/);
  const version = good.slice(); version[8] = 9;
  assert.throws(() => decodeLearnerFile(version), /unsupported learner file version 9/);
  const flipped = good.slice(); flipped[good.length - 5] ^= 0xff;
  assert.throws(() => decodeLearnerFile(flipped), /checksum mismatch/);
  assert.throws(() => decodeLearnerFile(good.subarray(0, good.length - 1)), /truncated or padded/);
  assert.equal(decodeLearnerFile(good).state.classMap.length, 2);
});

test('learner spec: unknown strategies and options are named', () => {
  assert.throws(() => createLearner(spec({ name: 'nope', options: {} })), /strategy\.name: unknown strategy 'nope'/);
  assert.throws(() => createLearner(spec({ name: 'latent-replay', options: { sauce: 1 } })), /strategy\.options\.sauce: unknown key/);
  assert.throws(() => createLearner({ ...spec(GBM), inputDim: 0 }), /inputDim: expected an integer ≥ 1/);
});

test('learner file: a class order that is not ascending comes back in arrival order, never relabelled', () => {
  // Learner.loadState re-adds the saved classes one at a time, so output unit i maps to the i-th class
  // to arrive (here 4, 5, 0, 1), as before saving; restoreLearner checks that it did. Three epochs, so
  // the frozen-backbone second task is learned too (one epoch leaves classes 0 and 1 at 0/10).
  const s = { ...spec(GBM), training: { ...spec(GBM).training, epochs: 3 } };
  const learner = createLearner(s);
  const rng = new Rng(2);
  learner.learnTask(task([4, 5], 15, rng));
  learner.learnTask(task([0, 1], 15, rng));
  assert.deepEqual(learner.classMap, [4, 5, 0, 1]);
  const back = loadLearnerFile(encodeLearnerFile(s, learner), 'order.bslearner').learner;
  assert.deepEqual(back.classMap, [4, 5, 0, 1]);
  const probe = task([0, 1, 4, 5], 10, new Rng(4));
  const predictions = back.predict(probe);
  assert.deepEqual(predictions, learner.predict(probe));
  // Measured 38/40 correct; a relabelled restore (units read as 0, 1, 4, 5) would get almost all wrong.
  let correct = 0;
  predictions.forEach((p, i) => { if (p === probe.y[i]) correct++; });
  assert.ok(correct / probe.n > 0.9, `restored learner accuracy ${correct / probe.n}`);
});

test('learner file: a load that would relabel the classes is refused, naming the file', () => {
  const s = spec(GBM);
  const learner = createLearner(s);
  learner.learnTask(task([4, 5], 15, new Rng(2)));
  learner.learnTask(task([0, 1], 15, new Rng(3)));
  const file = decodeLearnerFile(encodeLearnerFile(s, learner));
  // A loader that re-adds classes in sorted order (what addClasses does for one batch of new ids)
  // would map unit 0 to class 0 where the weights were trained for class 4.
  const original = Learner.prototype.loadState;
  Learner.prototype.loadState = function (this: Learner, st: LearnerState) {
    original.call(this, { ...st, classMap: [...st.classMap].sort((a, b) => a - b) });
  };
  try {
    assert.throws(() => restoreLearner(file, 'order.bslearner'),
      (e: unknown) => e instanceof LearnerFileError && /^order\.bslearner: class map \[4, 5, 0, 1\] came back as \[0, 1, 4, 5\] after Learner\.loadState$/.test((e as Error).message));
  } finally {
    Learner.prototype.loadState = original;
  }
});

test('bitspike predict: loads a learner file and prints its predictions; bad flags are named', async () => {
  const s = spec(GBM);
  const learner = createLearner(s);
  const rng = new Rng(8);
  learner.learnTask(task([0, 1], 10, rng));
  const dir = mkdtempSync(join(tmpdir(), 'bitspike-predict-'));
  const file = join(dir, 'l.bslearner');
  writeFileSync(file, encodeLearnerFile(s, learner));
  const cli = join(root, 'build', 'src', 'cli', 'main.js');
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [cli, 'predict', '--learner', file, '--split', 'test', '--per-class', '3', '--limit', '20'], { maxBuffer: 16 << 20 });
  const out = JSON.parse(stdout) as { n: number; predictions: number[]; labels: number[]; classes: number[] };
  assert.equal(out.n, 20);
  assert.equal(out.predictions.length, 20);
  assert.deepEqual(out.classes, [0, 1]);
  assert.ok(out.predictions.every((p) => p === 0 || p === 1));
  await assert.rejects(run(process.execPath, [cli, 'predict', '--learner', join(dir, 'missing.bslearner')]), /--learner .*missing\.bslearner: cannot read/);
  await assert.rejects(run(process.execPath, [cli, 'predict', '--learner', file, '--per-class', '0']), /--per-class expects an integer ≥ 1/);
  writeFileSync(join(dir, 'junk.bslearner'), 'not a learner at all, just text');
  await assert.rejects(run(process.execPath, [cli, 'predict', '--learner', join(dir, 'junk.bslearner')]), /junk\.bslearner: not a bitspike learner file/);
});
