import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTask, summarize } from '../../src/cil/metrics.js';

const close = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

test('summarize: Ā, A_T, forgetting and BWT of a hand-computed 3-step accuracy matrix', () => {
  // R[t][j]:   j=0   j=1   j=2
  //   t=0     0.9
  //   t=1     0.6   0.8
  //   t=2     0.3   0.5   1.0
  const evals = [
    { task: 0, accuracy: 0.9, perTask: [0.9] },
    { task: 1, accuracy: 0.7, perTask: [0.6, 0.8] },
    { task: 2, accuracy: 0.6, perTask: [0.3, 0.5, 1.0] },
  ];
  const s = summarize(evals);
  close(s.averageIncrementalAccuracy, (0.9 + 0.7 + 0.6) / 3, 'Ā');
  close(s.finalAccuracy, 0.6, 'A_T');
  // F = mean_j<T (max_{j≤t<T} R[t][j] − R[T][j]) = ((0.9 − 0.3) + (0.8 − 0.5)) / 2 = 0.45
  close(s.forgetting, 0.45, 'forgetting');
  // BWT = mean_j<T (R[T][j] − R[j][j]) = ((0.3 − 0.9) + (0.5 − 0.8)) / 2 = −0.45
  close(s.backwardTransfer, -0.45, 'BWT');
  assert.deepEqual(s.accuracyMatrix, [[0.9, null, null], [0.6, 0.8, null], [0.3, 0.5, 1.0]]);
});

test('forgetting uses the best earlier accuracy, not the first (differs from −BWT when a task improves later)', () => {
  const s = summarize([
    { task: 0, accuracy: 0.5, perTask: [0.5] },
    { task: 1, accuracy: 0.8, perTask: [0.9, 0.7] },
    { task: 2, accuracy: 0.6, perTask: [0.6, 0.4, 0.8] },
  ]);
  close(s.forgetting, ((0.9 - 0.6) + (0.7 - 0.4)) / 2, 'forgetting');
  close(s.backwardTransfer, ((0.6 - 0.5) + (0.4 - 0.7)) / 2, 'BWT');
});

test('single task: forgetting and BWT are undefined (null), Ā = A_T', () => {
  const s = summarize([{ task: 0, accuracy: 0.75, perTask: [0.75] }]);
  assert.equal(s.forgetting, null);
  assert.equal(s.backwardTransfer, null);
  close(s.averageIncrementalAccuracy, 0.75, 'Ā');
});

test('evaluateTask: A_t, per-task accuracies, old/new and the confusion matrix from raw predictions', () => {
  // classes 0,1 came in task 0; 2,3 in task 1; 4 not seen yet.
  const taskOfClass = Int32Array.of(0, 0, 1, 1, -1);
  const truth = Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3, 3, 3);
  const pred = Int32Array.of(0, 2, 1, 1, 2, 3, 3, 3, 3, 0);
  const e = evaluateTask(1, truth, pred, taskOfClass);
  close(e.accuracy, 7 / 10, 'A_1');
  close(e.perTask[0], 3 / 4, 'R[1][0]');
  close(e.perTask[1], 4 / 6, 'R[1][1]');
  close(e.oldAccuracy, 3 / 4, 'old');
  close(e.newAccuracy, 4 / 6, 'new');
  assert.equal(e.confusion[0][2], 1);
  assert.equal(e.confusion[2][3], 1);
  assert.equal(e.confusion[3][0], 1);
  assert.equal(e.confusion.flat().reduce((a, b) => a + b, 0), 10);
  assert.equal(evaluateTask(0, Int32Array.of(0), Int32Array.of(0), taskOfClass).oldAccuracy, null);
});

test('evaluateTask rejects test images of classes no task has introduced yet, and mismatched lengths', () => {
  const taskOfClass = Int32Array.of(0, 1, -1);
  assert.throws(() => evaluateTask(0, Int32Array.of(1), Int32Array.of(1), taskOfClass), /label 1 belongs to no task seen by step 0/);
  assert.throws(() => evaluateTask(1, Int32Array.of(2), Int32Array.of(2), taskOfClass), /label 2 belongs to no task/);
  assert.throws(() => evaluateTask(0, Int32Array.of(0, 0), Int32Array.of(0), taskOfClass), /2 labels but 1 predictions/);
  assert.throws(() => summarize([{ task: 0, accuracy: 1, perTask: [1, 1] }]), /step 0 has task 0 and 2 per-task/);
});
