import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Adam, AdamW, CosineLr, ReduceLrOnPlateau, Rng, SGD, StepLr, Tensor } from '../../src/engine/index.js';

function quadraticStep(opt: E.Optimizer, p: Tensor, target: Float32Array) {
  opt.zeroGrad();
  E.mse(p, new Tensor(target, p.shape)).backward();
  opt.step();
}

test('SGD with momentum and weight decay follows the torch.optim.SGD recurrence', () => {
  const p = E.tensor([1, -2], [2], { requiresGrad: true });
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  const ref = [1, -2], buf = [0, 0];
  for (let s = 0; s < 5; s++) {
    const g = ref.map((v) => v); // d/dp mean((p-0)^2) over 2 elements = p
    quadraticStep(opt, p, new Float32Array(2));
    for (let j = 0; j < 2; j++) {
      const d = g[j] + 0.01 * ref[j];
      buf[j] = s === 0 ? d : 0.9 * buf[j] + d;
      ref[j] -= 0.1 * buf[j];
    }
  }
  p.f32.forEach((v, j) => assert.ok(Math.abs(v - ref[j]) < 1e-5, `${v} vs ${ref[j]}`));
});

test('Nesterov, Adam and AdamW minimize a quadratic', () => {
  for (const make of [(p: Tensor) => new SGD([p], { lr: 0.2, momentum: 0.9, nesterov: true }),
    (p: Tensor) => new Adam([p], { lr: 0.1 }), (p: Tensor) => new AdamW([p], { lr: 0.1, weightDecay: 1e-3 })]) {
    const p = E.tensor([3, -1, 2], [3], { requiresGrad: true });
    const opt = make(p);
    const target = Float32Array.of(0.5, 0.25, -1);
    for (let i = 0; i < 300; i++) quadraticStep(opt, p, target);
    p.f32.forEach((v, j) => assert.ok(Math.abs(v - target[j]) < 2e-2, `${opt.type}: ${v} vs ${target[j]}`));
  }
});

test('optimizer state round-trips through JSON and continues bit-identically', () => {
  for (const make of [(p: Tensor) => new Adam([p], { lr: 0.05 }), (p: Tensor) => new SGD([p], { lr: 0.1, momentum: 0.5 })]) {
    const rng = new Rng(3);
    const p1 = E.randn([7], rng);
    p1.requiresGrad = true;
    const target = E.randn([7], rng).f32;
    const o1 = make(p1);
    for (let i = 0; i < 5; i++) quadraticStep(o1, p1, target);
    const saved = JSON.parse(JSON.stringify(o1.state()));
    const p2 = new Tensor(p1.f32.slice(), p1.shape, true);
    const o2 = make(p2);
    o2.loadState(saved);
    for (let i = 0; i < 5; i++) { quadraticStep(o1, p1, target); quadraticStep(o2, p2, target); }
    assert.deepEqual([...p2.f32], [...p1.f32]);
  }
});

test('optimizer bad input: wrong state type, non-trainable params, bad lr', () => {
  const p = E.tensor([1], [1], { requiresGrad: true });
  assert.throws(() => new Adam([p]).loadState(new SGD([p], { lr: 1 }).state()), /cannot load optimizer state of type sgd/);
  assert.throws(() => new SGD([E.tensor([1])], { lr: 0.1 }), /requiresGrad/);
  assert.throws(() => new SGD([p], { lr: -1 }), /lr must be/);
  assert.throws(() => new Adam([p], { beta1: 1 }), /beta1/);
});

test('schedules: step, cosine and reduce-on-plateau', () => {
  const p = E.tensor([1], [1], { requiresGrad: true });
  const o = new SGD([p], { lr: 1 });
  const s = new StepLr(o, 2, 0.5);
  const lrs = [];
  for (let i = 0; i < 5; i++) { s.step(); lrs.push(o.lr); }
  assert.deepEqual(lrs, [1, 0.5, 0.5, 0.25, 0.25]);
  const o2 = new SGD([p], { lr: 1 });
  const c = new CosineLr(o2, 4, 0);
  for (let i = 0; i < 2; i++) c.step();
  assert.ok(Math.abs(o2.lr - 0.5) < 1e-12);
  for (let i = 0; i < 5; i++) c.step();
  assert.equal(o2.lr, 0);
  const o3 = new Adam([p], { lr: 1e-4 });
  const r = new ReduceLrOnPlateau(o3, { factor: 0.1, patience: 2, minLr: 1e-6 });
  for (const m of [1, 0.9, 0.9, 0.9, 0.9]) r.step(m);
  assert.ok(Math.abs(o3.lr - 1e-5) < 1e-12, `lr ${o3.lr}`);
  for (let i = 0; i < 20; i++) r.step(0.9);
  assert.equal(o3.lr, 1e-6);
  const saved = JSON.parse(JSON.stringify(r.state()));
  const r2 = new ReduceLrOnPlateau(new Adam([p], { lr: 1 }), { factor: 0.1, patience: 2, minLr: 1e-6 });
  r2.loadState(saved);
  assert.equal(r2.optimizer.lr, 1e-6);
  assert.equal(r2.best, 0.9);
  const fresh = JSON.parse(JSON.stringify(new ReduceLrOnPlateau(new Adam([p])).state()));
  const r3 = new ReduceLrOnPlateau(new Adam([p]));
  r3.loadState(fresh);
  assert.equal(r3.best, Infinity);
  assert.throws(() => r.step(Number.NaN), /finite metric/);
});
