// Messages between the page (main.ts) and the learner's Web Worker (worker.ts). Every request carries
// an id; the worker answers it with exactly one `result` or `error` of that id, and may send
// `progress` messages for it before. Cancelling uses a shared flag the worker polls after every
// minibatch (cross-origin isolated pages); elsewhere the page terminates the worker and restores the
// last committed learner file in a fresh one (see client.ts).
import type { MemoryReport } from '../../src/cil/budget.js';

/** A strategy the UI offers: the learner's strategy entry + options, and the budget it needs. */
export interface StrategyChoice {
  id: string;
  label: string;
  strategy: { name: string; options: Record<string, unknown> };
  budget: { totalBits: number | null; bufferBits: number | null; countTrainingState: boolean };
  /** What the memory holds, one line for the UI. */
  memoryNote: string;
}

/** 'binary': the fully binary MLP (1-bit weights, thermometer input); 'float': a float32 MLP. */
export type BackboneChoice = 'binary' | 'float';
export const BACKBONES: readonly BackboneChoice[] = ['binary', 'float'];

export interface Settings {
  strategyId: string;
  /** Absent in files saved before the binary backbone existed: those learners are float MLPs. */
  backbone?: BackboneChoice;
  hidden: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** MNIST training images per class used for a task (≤ the bundled subset). */
  trainPerClass: number;
  seed: number;
  /** Name of a loaded .onnx encoder used as the frozen backbone (absent/null: the MLP). */
  encoder?: string | null;
}

export interface ClassInfo {
  id: number;
  name: string;
  source: 'mnist' | 'drawn';
}

/** One row of the accuracy table: measured right after a task was learned. */
export interface TaskRecord {
  task: number;
  classes: number[];
  source: 'mnist' | 'drawn';
  trainSamples: number;
  /** Accuracy on the test images of every class seen so far (drawn classes: their own examples). */
  accuracy: number;
  /** Accuracy on the test images of task j's classes, for j = 0 … task. */
  perTask: number[];
  trainMs: number;
}

/** Everything the page shows about the learner; also kept in the learner file's meta. */
export interface LearnerView {
  settings: Settings;
  strategyLabel: string;
  memoryNote: string;
  classes: ClassInfo[];
  history: TaskRecord[];
  /** Accuracy on all seen classes, recomputed from the current learner (equals the last row after a task). */
  currentAccuracy: number | null;
  memory: MemoryReport;
  /** What the model's weights are, one line (e.g. "1-bit weights, 32-bit thresholds"). */
  modelNote: string;
  tasksLearned: number;
  backend: string;
}

export interface ExemplarCell {
  label: number;
  /** Row-major pixels 0…255, width × height. */
  pixels: Uint8Array;
  width: number;
  height: number;
  caption: string;
}

export interface ExemplarGrid {
  title: string;
  explanation: string;
  /** Columns of the grid (e.g. a code and its nearest real image). */
  columns: string[];
  rows: ExemplarCell[][];
}

export interface Hello {
  backend: string;
  crossOriginIsolated: boolean;
  strategies: StrategyChoice[];
  classNames: string[];
  trainPerClass: number;
  testPerClass: number;
  defaults: Settings;
}

export type Request =
  | { type: 'hello'; cancelFlag: SharedArrayBuffer | null; dataUrl: string }
  | { type: 'create'; settings: Settings }
  | { type: 'learnTask'; classes: number[] }
  | { type: 'learnDrawn'; label: number; name: string; images: Uint8Array }
  | { type: 'predict'; images: Uint8Array }
  | { type: 'predictTest' }
  | { type: 'exemplars'; perClass: number }
  | { type: 'export' }
  | { type: 'exportC' }
  | { type: 'import'; bytes: Uint8Array; source: string }
  | { type: 'loadEncoder'; bytes: Uint8Array; name: string };

/** A learner snapshot after every change: what to show and the file to persist. */
export interface Committed {
  view: LearnerView;
  file: Uint8Array;
}

export interface Results {
  hello: Hello;
  create: Committed;
  learnTask: Committed;
  learnDrawn: Committed;
  predict: { predictions: number[]; probabilities: number[][] };
  predictTest: { predictions: number[]; labels: number[] };
  exemplars: ExemplarGrid;
  export: { file: Uint8Array; name: string };
  /** C99 header + routine of a binary learner (files name.h, name.c); output k predicts classIds[k]. */
  exportC: { header: string; source: string; name: string; classIds: number[] };
  import: Committed;
  loadEncoder: { name: string; summary: string };
}

export interface ProgressInfo {
  phase: string;
  /** 0…1 */
  fraction: number;
  loss: number | null;
}

export type WorkerMessage =
  | { id: number; kind: 'progress'; progress: ProgressInfo }
  | { id: number; kind: 'result'; result: unknown }
  | { id: number; kind: 'error'; error: string; cancelled: boolean };

export type Envelope = { id: number; request: Request };

/** Image geometry of the bundled dataset and of drawings (MNIST: 28 × 28 grayscale). */
export const IMAGE_SIDE = 28;
export const IMAGE_DIM = IMAGE_SIDE * IMAGE_SIDE;
/** Class ids 0–9 are MNIST digits; drawn classes take the ids after them. */
export const MNIST_CLASSES = 10;
export const MAX_CLASSES = 16;
