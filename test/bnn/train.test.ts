import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { BinaryNet, type BinaryNetSpec } from '../../src/bnn/binaryNet.js';
import { BnnTrainer, evaluate, netFromCheckpoint, parseCheckpoint, type LabelledImages, type TrainCheckpoint } from '../../src/bnn/train.js';
import { deploy } from '../../src/bnn/deploy.js';
import { PackedNet } from '../../src/bnn/packedInference.js';

const spec: BinaryNetSpec = {
  input: { height: 6, width: 6, channels: 1, levels: 4 },
  layers: [{ kind: 'conv', channels: 16, kernel: 3, padding: 1 }, { kind: 'maxpool', size: 2 }, { kind: 'dense', units: 32 }],
  classes: 3,
};

/** Three classes of 6×6 images: bright left half, bright right half, bright everywhere (+ noise). */
function toyData(n: number, seed: number): LabelledImages {
  const rng = new Rng(seed), images = new Uint8Array(n * 36), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(3); labels[i] = c;
    for (let p = 0; p < 36; p++) {
      const left = p % 6 < 3, on = c === 2 || (c === 0 ? left : !left);
      images[i * 36 + p] = Math.max(0, Math.min(255, (on ? 200 : 40) + Math.round(rng.normal(0, 40))));
    }
  }
  return { images, labels, n };
}

test('training learns a toy task; the deployed packed model agrees with the float simulation', () => {
  const train = toyData(384, 1), test = toyData(200, 2);
  const net = new BinaryNet(spec, new Rng(3));
  const before = evaluate(net, test);
  const r = new BnnTrainer(net, 3, { lr: 1e-2 }).fit(train, { maxEpochs: 4, batchSize: 32 });
  const after = evaluate(net, test);
  assert.ok(after > 0.9 && after > before, `accuracy ${before} → ${after}`);
  assert.equal(r.history.length, 4);
  const packed = new PackedNet(deploy(net)).predict(test.images, test.n);
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (packed.predictions[i] === test.labels[i]) correct++;
  assert.equal(correct / test.n, after);
  for (const p of net.parameters()) if (p.rank > 1) for (const v of p.f32) assert.ok(v >= -1 && v <= 1, 'latent weights stay clipped');
});

test('checkpoint + resume continues bit-identically; lr steps down on plateau and training stops at the floor', () => {
  const train = toyData(128, 5);
  const a = new BnnTrainer(new BinaryNet(spec, new Rng(8)), 8, { lr: 1e-3 });
  const ckpts: TrainCheckpoint[] = [];
  a.fit(train, { maxEpochs: 3, batchSize: 32, onCheckpoint: (c) => ckpts.push(JSON.parse(JSON.stringify(c))) });
  assert.equal(ckpts.length, 3);
  const b = new BnnTrainer(new BinaryNet(spec, new Rng(999)), 8, { lr: 1e-3 });
  b.resume(parseCheckpoint(JSON.stringify(ckpts[0]), 'ckpt'));
  b.fit(train, { maxEpochs: 3, batchSize: 32 });
  assert.deepEqual(b.net.stateDict(), a.net.stateDict());
  assert.deepEqual(netFromCheckpoint(ckpts[2]).stateDict(), a.net.stateDict());
  assert.throws(() => parseCheckpoint('{"format":"other"}', 'c.json'), /c\.json: not a bitspike BNN checkpoint/);

  // patience 0 and a huge lr floor: the first non-improving epoch halves the lr, below the floor → stop
  const c = new BnnTrainer(new BinaryNet(spec, new Rng(1)), 1, { lr: 1e-4, patience: 0, factor: 0.5 });
  const r = c.fit(train, { maxEpochs: 50, batchSize: 32, minLr: 0.99e-4 });
  assert.equal(r.stoppedBy, 'lr-floor');
  assert.ok(r.history.length < 50 && c.optimizer.lr === 5e-5);
});

test('an epoch cut mid-way (time budget / stop) is finished exactly by a resume', () => {
  const train = toyData(160, 6);
  const full = new BnnTrainer(new BinaryNet(spec, new Rng(4)), 4, { lr: 1e-3 });
  full.fit(train, { maxEpochs: 2, batchSize: 32 });
  let calls = 0;
  const cut = new BnnTrainer(new BinaryNet(spec, new Rng(4)), 4, { lr: 1e-3 });
  const r = cut.fit(train, { maxEpochs: 2, batchSize: 32, shouldStop: () => ++calls > 7 }); // stop inside epoch 2
  assert.equal(r.stoppedBy, 'time-budget');
  assert.equal(cut.epoch, 1, 'the cut epoch is not counted');
  assert.equal(r.checkpoint.partial?.offset, 64);
  const resumed = new BnnTrainer(new BinaryNet(spec, new Rng(4)), 4, { lr: 1e-3 });
  resumed.resume(parseCheckpoint(JSON.stringify(r.checkpoint), 'ckpt'));
  resumed.fit(train, { maxEpochs: 2, batchSize: 32 });
  assert.deepEqual(resumed.net.stateDict(), full.net.stateDict());
  assert.deepEqual(resumed.history.map((h) => h.batches), [5, 5]);
  assert.equal(resumed.history[1].trainLoss, full.history[1].trainLoss);
});

test('a cosine schedule anneals the lr over the epochs and a resume (default trainer) continues it exactly', () => {
  const train = toyData(128, 7);
  const a = new BnnTrainer(new BinaryNet(spec, new Rng(2)), 2, { lr: 1e-3, schedule: 'cosine', cosineEpochs: 4 });
  const ckpts: TrainCheckpoint[] = [];
  const res = a.fit(train, { maxEpochs: 4, batchSize: 32, onCheckpoint: (c) => ckpts.push(JSON.parse(JSON.stringify(c))) });
  assert.equal(res.stoppedBy, 'max-epochs', 'annealing to 0 on the last epoch is not an lr-floor stop');
  const lrs = a.history.map((h) => h.lr);
  assert.equal(lrs[0], 1e-3);
  for (let e = 1; e < 4; e++) assert.ok(Math.abs(lrs[e] - 1e-3 * (1 + Math.cos((Math.PI * e) / 4)) / 2) < 1e-12, `epoch ${e + 1} lr ${lrs[e]}`);
  const b = new BnnTrainer(new BinaryNet(spec, new Rng(2)), 2, { lr: 0.5 }); // plateau by default: the checkpoint's schedule wins
  b.resume(parseCheckpoint(JSON.stringify(ckpts[1]), 'ckpt'));
  assert.equal(b.schedule.type, 'cosine');
  b.fit(train, { maxEpochs: 4, batchSize: 32 });
  assert.deepEqual(b.history.map((h) => h.lr), lrs);
  assert.deepEqual(b.net.stateDict(), a.net.stateDict());
  assert.throws(() => new BnnTrainer(new BinaryNet(spec, new Rng(2)), 2, { schedule: 'cosine' }), /cosine schedule needs cosineEpochs ≥ 1/);
});
