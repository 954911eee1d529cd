// Class-incremental (and CORe50 NI) stream builder. A scenario is a list of tasks, each a set of
// classes with index views into the train and test datasets (no pixel copies). At test time a
// learner sees the cumulative test set of every class so far, labels only — no task identity. Pure.
import { Rng } from '../engine/random.js';
import { numpyPermutation } from './numpyOrder.js';

export interface IncrementSpec { base: number; increment: number }

/** Parses 'B50 Inc10', 'B0Inc2', 'b10-inc5' into base/increment (B0 = first task has `increment` classes). */
export function parseIncrementSpec(spec: string): IncrementSpec {
  const m = /^\s*B(\d+)[\s_-]*Inc(\d+)\s*$/i.exec(spec);
  if (!m) throw new RangeError(`scenario spec '${spec}' is not of the form 'B<base> Inc<increment>' (e.g. 'B50 Inc10', 'B0 Inc2')`);
  const increment = Number(m[2]);
  if (increment < 1) throw new RangeError(`scenario spec '${spec}': increment must be at least 1`);
  return { base: Number(m[1]), increment };
}

/** Number of new classes per task: [base, inc, inc, …] (or [inc, …] for B0); must cover all classes exactly. */
export function taskSizes(numClasses: number, { base, increment }: IncrementSpec): number[] {
  if (base > numClasses) throw new RangeError(`base ${base} exceeds the ${numClasses} classes`);
  const rest = numClasses - base;
  if (rest % increment !== 0) throw new RangeError(`B${base} Inc${increment} does not divide ${numClasses} classes: ${rest} classes after the base task is not a multiple of ${increment}`);
  const sizes = base > 0 ? [base] : [];
  for (let i = 0; i < rest / increment; i++) sizes.push(increment);
  return sizes;
}

/**
 * Class order: an explicit permutation, `{ seed }` (bitspike's Rng), `{ numpySeed }` (numpy's
 * `np.random.seed(s); np.random.permutation(n)`; 1993 is the common CIFAR-100 order) or 'identity'.
 */
export type ClassOrder = readonly number[] | Int32Array | { seed: number } | { numpySeed: number } | 'identity';

export function resolveClassOrder(numClasses: number, order: ClassOrder = 'identity'): Int32Array {
  let o: Int32Array;
  if (order === 'identity') o = Int32Array.from({ length: numClasses }, (_, i) => i);
  else if ('seed' in order) o = new Rng(order.seed).permutation(numClasses);
  else if ('numpySeed' in order) o = numpyPermutation(numClasses, order.numpySeed);
  else o = Int32Array.from(order as ArrayLike<number>);
  const seen = new Uint8Array(numClasses);
  if (o.length !== numClasses) throw new RangeError(`class order has ${o.length} entries, expected ${numClasses}`);
  for (const c of o) {
    if (!(c >= 0 && c < numClasses) || seen[c]) throw new RangeError(`class order is not a permutation of 0..${numClasses - 1} (bad or repeated class ${c})`);
    seen[c] = 1;
  }
  return o;
}

export interface Task {
  index: number;
  /** Classes introduced by this task (original label ids, in class-order order). */
  classes: number[];
  /** All classes seen up to and including this task. */
  seenClasses: number[];
  /** Indices into the train dataset of this task's images (ascending). */
  train: Int32Array;
  /** Indices into the test dataset for this task's classes only. */
  test: Int32Array;
  /** Indices into the test dataset for every class seen so far: what the learner is evaluated on. */
  cumulativeTest: Int32Array;
}

export interface Scenario {
  name: string;
  numClasses: number;
  classOrder: Int32Array;
  /** labelMap[original] = position in the class order (the "incremental" label many methods train on). */
  labelMap: Int32Array;
  tasks: Task[];
}

function indicesWhere(labels: Int32Array, inSet: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (inSet[labels[i]]) n++;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < labels.length; i++) if (inSet[labels[i]]) out[j++] = i;
  return out;
}

export interface ClassIncrementalOptions {
  numClasses: number;
  /** 'B50 Inc10' or {base, increment}. */
  spec: string | IncrementSpec;
  order?: ClassOrder;
  name?: string;
}

/** Builds the task stream from train and test labels (e.g. ds.labels, or ds.objects for CORe50). */
export function buildClassIncremental(trainLabels: Int32Array, testLabels: Int32Array, opts: ClassIncrementalOptions): Scenario {
  const { numClasses } = opts;
  const spec = typeof opts.spec === 'string' ? parseIncrementSpec(opts.spec) : opts.spec;
  const sizes = taskSizes(numClasses, spec);
  const classOrder = resolveClassOrder(numClasses, opts.order);
  const labelMap = new Int32Array(numClasses);
  classOrder.forEach((c, i) => { labelMap[c] = i; });
  for (const [what, labels] of [['train', trainLabels], ['test', testLabels]] as const) {
    for (let i = 0; i < labels.length; i++) {
      if (!(labels[i] >= 0 && labels[i] < numClasses)) throw new RangeError(`${what} label ${labels[i]} at index ${i} is outside [0, ${numClasses})`);
    }
  }
  const tasks: Task[] = [];
  const seen = new Uint8Array(numClasses);
  let start = 0;
  sizes.forEach((size, t) => {
    const classes = Array.from(classOrder.subarray(start, start + size));
    start += size;
    const now = new Uint8Array(numClasses);
    for (const c of classes) { now[c] = 1; seen[c] = 1; }
    const train = indicesWhere(trainLabels, now);
    if (train.length === 0) throw new RangeError(`task ${t} (classes ${classes.join(', ')}) has no training images`);
    tasks.push({
      index: t, classes, seenClasses: Array.from(classOrder.subarray(0, start)),
      train, test: indicesWhere(testLabels, now), cumulativeTest: indicesWhere(testLabels, seen.slice()),
    });
  });
  return { name: opts.name ?? `B${spec.base} Inc${spec.increment}`, numClasses, classOrder, labelMap, tasks };
}

/** Original labels → position in the class order, for the images at `indices` (default all). */
export function remapLabels(labels: Int32Array, labelMap: Int32Array, indices?: ArrayLike<number>): Int32Array {
  const n = indices ? indices.length : labels.length;
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) out[j] = labelMap[labels[indices ? indices[j] : j]];
  return out;
}

/**
 * CORe50 NC (new classes): 50 objects, a first batch of 10 then 8 batches of 5 (B10 Inc5), train on
 * sessions 1,2,4,5,6,8,9,11 and test on 3,7,10 — pass the object ids of each split (ds.objects).
 */
export function core50NC(trainObjects: Int32Array, testObjects: Int32Array, order: ClassOrder = 'identity'): Scenario {
  return buildClassIncremental(trainObjects, testObjects, { numClasses: 50, spec: { base: 10, increment: 5 }, order, name: 'CORe50 NC' });
}

/**
 * CORe50 NI (new instances): one task per training session (8 tasks, all 50 objects each), every task
 * evaluated on the whole test split. `sessionOrder` is a permutation of the training sessions or
 * `{ seed }`; default the natural order 1,2,4,5,6,8,9,11.
 */
export function core50NI(trainSessions: Int32Array, trainLabels: Int32Array, testCount: number, numClasses: number,
  sessionOrder: readonly number[] | { seed: number } = [1, 2, 4, 5, 6, 8, 9, 11]): Scenario {
  const all = [1, 2, 4, 5, 6, 8, 9, 11];
  const order = 'seed' in sessionOrder ? Array.from(new Rng(sessionOrder.seed).permutation(all.length), (i) => all[i]) : [...sessionOrder];
  if (order.length !== all.length || [...order].sort((a, b) => a - b).some((s, i) => s !== all[i])) {
    throw new RangeError(`CORe50 NI session order must be a permutation of ${all.join(',')}, got ${order.join(',')}`);
  }
  const everyTest = Int32Array.from({ length: testCount }, (_, i) => i);
  const classes = Array.from({ length: numClasses }, (_, i) => i);
  const tasks = order.map((s, t) => {
    const train = indicesWhere(trainSessions, Uint8Array.from({ length: 12 }, (_, k) => (k === s ? 1 : 0)));
    if (train.length === 0) throw new RangeError(`CORe50 NI: no training images from session ${s}`);
    for (const i of train) if (!(trainLabels[i] >= 0 && trainLabels[i] < numClasses)) throw new RangeError(`label ${trainLabels[i]} outside [0, ${numClasses})`);
    return { index: t, classes: t === 0 ? classes : [], seenClasses: classes, train, test: everyTest, cumulativeTest: everyTest };
  });
  const identity = Int32Array.from(classes);
  return { name: 'CORe50 NI', numClasses, classOrder: identity, labelMap: identity.slice(), tasks };
}
