// Each frozen-encoder method against a case worked out by hand (docs/methods-cil.md §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/engine/random.js';
import { featureMethodEntry } from '../../../src/cil/frozen/methods/index.js';
import { fetrilTrainingSet, nearestNewClass } from '../../../src/cil/frozen/methods/fetril.js';
import { fecamTransform, inverseCholesky, mahalanobis, shrunkCovariance } from '../../../src/cil/frozen/methods/fecam.js';
import type { FeatureSet } from '../../../src/cil/frozen/featureCache.js';
import type { StepContext } from '../../../src/cil/frozen/method.js';

const set = (rows: number[][], y: number[]): FeatureSet => ({ x: Float32Array.from(rows.flat()), y: Int32Array.from(y), n: y.length, dim: rows[0].length });
const ctx = (step: number, newClasses: number[], seen: number[]): StepContext => ({
  step, newClasses, seenClasses: seen, numClasses: 10, classifier: { epochs: 40, batchSize: 4, lr: 0.05 }, rng: new Rng(3),
});
const close = (a: ArrayLike<number>, b: number[], tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

test('NCM: class means, cosine nearest mean, C·d·32 bits', () => {
  const m = featureMethodEntry('ncm').create({ metric: 'cosine' }, 2);
  // Class 0 mean (2, 0), class 1 mean (0, 1) (the means, not the rows, decide).
  m.learnStep(set([[1, 0], [3, 0], [0, 1], [0, 1]], [0, 0, 1, 1]), ctx(0, [0, 1], [0, 1]));
  // (3, 2.9): cosine to (1,0) is 0.719, to (0,1) 0.695 → class 0, although it is nearer (0, 1)… in angle only slightly.
  // (0.1, 5): class 1. (1, 1.1): cos to x-axis 0.673, to y-axis 0.740 → class 1.
  assert.deepEqual([...m.predict(Float32Array.from([3, 2.9, 0.1, 5, 1, 1.1]), 3)], [0, 1, 1]);
  assert.deepEqual(m.memory(), { means: 2 * 2 * 32 });
  const e = featureMethodEntry('ncm').create({ metric: 'euclidean' }, 2);
  e.learnStep(set([[1, 0], [3, 0], [0, 1], [0, 1]], [0, 0, 1, 1]), ctx(0, [0, 1], [0, 1]));
  // Euclidean: (1, 1.1) is 1.49 from (2, 0) and 1.005 from (0, 1) → 1; (1.2, 0.2) is 0.82 from (2,0), 1.39 from (0,1) → 0.
  assert.deepEqual([...e.predict(Float32Array.from([1, 1.1, 1.2, 0.2]), 2)], [1, 0]);
});

test('FeTrIL: each old class borrows its nearest new class, translated onto its own mean', () => {
  const oldMeans = new Map([[0, Float32Array.of(0, 0)], [1, Float32Array.of(10, 10)]]);
  // New class 5: rows (2, 1), (0, -1) → mean (1, 0). New class 7: rows (5, 5), (7, 7) → mean (6, 6).
  const data = set([[2, 1], [5, 5], [0, -1], [7, 7]], [5, 7, 5, 7]);
  const newMeans = new Map([[5, Float32Array.of(1, 0)], [7, Float32Array.of(6, 6)]]);
  assert.deepEqual([...nearestNewClass(oldMeans, newMeans)], [[0, 5], [1, 7]]);
  const t = fetrilTrainingSet(data, oldMeans);
  // Real rows first, then class 0 = class-5 rows + (0,0) − (1,0), class 1 = class-7 rows + (10,10) − (6,6).
  assert.deepEqual([...t.y], [5, 7, 5, 7, 0, 0, 1, 1]);
  close(t.x, [2, 1, 5, 5, 0, -1, 7, 7, 1, 1, -1, -1, 9, 9, 11, 11]);
  // The method keeps only the class means and classifies old classes it has only seen translated.
  const m = featureMethodEntry('fetril').create({}, 2);
  m.learnStep(set([[0, 0.2], [0.2, 0], [10, 9.8], [9.8, 10]], [0, 0, 1, 1]), ctx(0, [0, 1], [0, 1]));
  m.learnStep(data, ctx(1, [5, 7], [0, 1, 5, 7]));
  assert.deepEqual(m.memory(), { means: 4 * 2 * 32 });
  assert.deepEqual([...m.predict(Float32Array.from([0, 0, 10, 10]), 2)], [0, 1]);
});

test('FeCAM: shrinkage and normalisation, Cholesky inverse and Mahalanobis distance by hand', () => {
  // Rows (2,1), (−2,−1), (1,0), (−1,0), mean 0: Σ = [[10/3, 4/3], [4/3, 2/3]]; V₁ = 2, V₂ = 4/3;
  // shrunk: [[16/3, 8/3], [8/3, 8/3]]; unit diagonal: off-diagonal (8/3)/√(16/3·8/3) = 1/√2.
  const rows = [[2, 1], [-2, -1], [1, 0], [-1, 0]].map((r) => Float32Array.from(r));
  const cov = shrunkCovariance(rows, new Float64Array(2), { shrink1: 1, shrink2: 1 });
  close(cov, [1, Math.SQRT1_2, Math.SQRT1_2, 1], 1e-12);
  // Σ = [[4, 2], [2, 3]]: Σ⁻¹ = [[3, −2], [−2, 4]] / 8, so (1, 1) is at d² = (3 − 4 + 4)/8 = 0.375, (2, −1) at (12 + 8 + 4)/8 = 3.
  const invL = Float32Array.from(inverseCholesky(Float64Array.of(4, 2, 2, 3), 2));
  close(mahalanobis(Float32Array.of(1, 1, 2, -1), 2, Float32Array.of(0, 0), invL), [0.375, 3]);
  assert.throws(() => inverseCholesky(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
  // Tukey β = 0.5 then L2: (4, 9) → (2, 3)/√13.
  close(fecamTransform(Float32Array.of(4, 9), 0.5), [2 / Math.sqrt(13), 3 / Math.sqrt(13)]);
  // Memory: C · (d + d(d+1)/2) float32.
  const m = featureMethodEntry('fecam').create({ beta: 1, shrink1: 1, shrink2: 1 }, 2);
  m.learnStep(set([[2, 1], [1, 2], [3, 2.5], [2.5, 3], [1, 0.1], [1, -0.1], [1, 0.15], [1, -0.12]], [0, 0, 0, 0, 1, 1, 1, 1]), ctx(0, [0, 1], [0, 1]));
  assert.deepEqual(m.memory(), { means: 2 * 2 * 32, covariances: 2 * 3 * 32 });
});

test('GBM and latent replay: same bits per class, thresholds counted; fine-tune forgets, joint keeps features', () => {
  const rng = new Rng(9);
  // Classes 2 and 3 light up the feature of class 0 / 1 too (plus one of their own), so a head
  // trained on 2–3 alone maps the base classes onto them: forgetting that replay must prevent.
  const active = [[0], [1], [0, 2], [1, 3]];
  const blob = (c: number, n: number): number[][] => Array.from({ length: n }, () => Array.from({ length: 8 }, (_, k) => (active[c].includes(k % 4) ? 3 : 0) + rng.normal() * 0.3));
  const base = set([...blob(0, 30), ...blob(1, 30)], [...Array(30).fill(0), ...Array(30).fill(1)]);
  const step1 = set([...blob(2, 30), ...blob(3, 30)], [...Array(30).fill(2), ...Array(30).fill(3)]);
  const test0 = Float32Array.from([...blob(0, 10), ...blob(1, 10)].flat());
  const results: Record<string, number> = {};
  for (const name of ['gbm', 'latent-replay', 'finetune-head', 'joint-head']) {
    const m = featureMethodEntry(name).create({ components: 2, precision: 'u8', restarts: 1, replayRatio: 'classes' }, 8);
    m.learnStep(base, ctx(0, [0, 1], [0, 1]));
    m.learnStep(step1, ctx(1, [2, 3], [0, 1, 2, 3]));
    const p = m.predict(test0, 20);
    results[name] = p.filter((c, i) => c === (i < 10 ? 0 : 1)).length / 20;
    const mem = m.memory();
    if (name === 'gbm') assert.deepEqual(mem, { generator: 4 * 2 * (8 * 8 + 8), thresholds: 8 * 33 });
    // GBM's 144 bits per class buy ⌊144 / (8 + 4 label bits)⌋ = 12 stored 8-bit codes per class.
    if (name === 'latent-replay') assert.deepEqual(mem, { buffer: 4 * 12 * (8 + 4), thresholds: 8 * 33 });
    if (name === 'joint-head') assert.deepEqual(mem, { features: 120 * 8 * 32 });
    if (name === 'finetune-head') assert.deepEqual(mem, {});
  }
  // Measured on this seed: GBM 0.75, latent replay 0.70, fine-tuning 0, joint 1. The binary codes
  // cannot separate class 0 from class 2 perfectly (feature 2 was noise on the base task, so its
  // threshold splits class 0 at random), hence the bars at 0.6, far above fine-tuning's 0.
  assert.ok(results['finetune-head'] <= 0.1, `fine-tuning the head on classes 2–3 forgets 0–1: ${results['finetune-head']}`);
  assert.ok(results.gbm >= 0.6, `GBM keeps the base classes: ${results.gbm}`);
  assert.ok(results['latent-replay'] >= 0.6, `latent replay keeps the base classes: ${results['latent-replay']}`);
  assert.ok(results['joint-head'] >= 0.9, `joint keeps them: ${results['joint-head']}`);
});
