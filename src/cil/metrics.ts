// Class-incremental metrics (docs/methods-cil.md §1.4). Accuracies are fractions in [0, 1].
//   A_t      accuracy on the test images of every class seen up to step t (single head, no task id)
//   R[t][j]  accuracy on task j's classes after step t (j ≤ t): the accuracy matrix
//   Ā        (1/(T+1)) Σ_t A_t, step 0 included; A_T the final accuracy
//   F        mean_{j<T} (max_{j≤t<T} R[t][j] − R[T][j])          forgetting
//   BWT      mean_{j<T} (R[T][j] − R[j][j])                      backward transfer
//   old/new  accuracy on the test images of earlier tasks' classes / this task's classes
//            (retention / adaptation), both scored with the full head

export interface TaskEvaluation {
  task: number;
  /** A_t. */
  accuracy: number;
  /** R[t][j] for j = 0..t. */
  perTask: number[];
  /** Accuracy on classes of tasks < t; null at t = 0. */
  oldAccuracy: number | null;
  newAccuracy: number;
  /** confusion[true][predicted] over all dataset classes (original label ids). */
  confusion: number[][];
  testSamples: number;
}

export interface Summary {
  averageIncrementalAccuracy: number;
  finalAccuracy: number;
  /** null with a single task (nothing to forget). */
  forgetting: number | null;
  backwardTransfer: number | null;
  /** R[t][j], null where j > t. */
  accuracyMatrix: (number | null)[][];
}

/**
 * Scores predictions after step `task`. `taskOfClass[label]` is the step that introduced the class
 * (−1 for classes not seen yet; test images of such classes are an error: A_t covers seen classes only).
 */
export function evaluateTask(task: number, truth: Int32Array, predicted: Int32Array, taskOfClass: Int32Array): TaskEvaluation {
  if (truth.length !== predicted.length) throw new RangeError(`evaluateTask: ${truth.length} labels but ${predicted.length} predictions`);
  if (truth.length === 0) throw new RangeError('evaluateTask: no test samples');
  const C = taskOfClass.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const hit = new Float64Array(task + 1), tot = new Float64Array(task + 1);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const y = truth[i], p = predicted[i];
    if (!(y >= 0 && y < C)) throw new RangeError(`evaluateTask: label ${y} at ${i} is outside [0, ${C})`);
    const j = taskOfClass[y];
    if (j < 0 || j > task) throw new RangeError(`evaluateTask: test label ${y} belongs to no task seen by step ${task}`);
    if (p >= 0 && p < C) confusion[y][p]++;
    tot[j]++;
    if (p === y) { hit[j]++; correct++; }
  }
  const perTask = Array.from(hit, (h, j) => (tot[j] > 0 ? h / tot[j] : 0));
  let oldHit = 0, oldTot = 0;
  for (let j = 0; j < task; j++) { oldHit += hit[j]; oldTot += tot[j]; }
  return {
    task, accuracy: correct / truth.length, perTask,
    oldAccuracy: task === 0 ? null : oldTot > 0 ? oldHit / oldTot : 0,
    newAccuracy: tot[task] > 0 ? hit[task] / tot[task] : 0,
    confusion, testSamples: truth.length,
  };
}

/** Ā, A_T, forgetting and BWT from the per-step evaluations (in step order). */
export function summarize(evals: readonly Pick<TaskEvaluation, 'task' | 'accuracy' | 'perTask'>[]): Summary {
  if (evals.length === 0) throw new RangeError('summarize: no evaluated steps');
  evals.forEach((e, t) => {
    if (e.task !== t || e.perTask.length !== t + 1) throw new RangeError(`summarize: step ${t} has task ${e.task} and ${e.perTask.length} per-task accuracies (expected ${t + 1})`);
  });
  const T = evals.length - 1;
  const R = evals.map((e) => e.perTask);
  let forgetting: number | null = null, bwt: number | null = null;
  if (T > 0) {
    let f = 0, b = 0;
    for (let j = 0; j < T; j++) {
      let best = -Infinity;
      for (let t = j; t < T; t++) best = Math.max(best, R[t][j]);
      f += best - R[T][j];
      b += R[T][j] - R[j][j];
    }
    forgetting = f / T;
    bwt = b / T;
  }
  return {
    averageIncrementalAccuracy: evals.reduce((s, e) => s + e.accuracy, 0) / evals.length,
    finalAccuracy: evals[T].accuracy,
    forgetting, backwardTransfer: bwt,
    accuracyMatrix: R.map((row) => Array.from({ length: evals.length }, (_, j) => (j < row.length ? row[j] : null))),
  };
}
