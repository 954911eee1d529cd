// The worker-side learner session: builds a learner from the UI's settings, teaches MNIST tasks and
// drawn classes, evaluates after every task, and commits each result as a learner file (the same
// format `bitspike predict` reads in Node). The UI's history (accuracy table, class names, drawn
// examples) travels in the file's meta, so a restored file shows the same readouts.
import type { Learner } from '../../src/cil/learner.js';
import { exportBinaryLearnerC } from '../../src/cil/exportBinaryLearner.js';
import { createLearner, encodeLearnerFile, LEARNER_FILE_EXTENSION, loadLearnerFile, type LearnerSpec } from '../../src/cil/learnerFile.js';
import { makeSamples, toInput, type Samples } from '../../src/cil/samples.js';
import { cropPadded } from '../../src/data/transforms.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { softmax } from '../../src/engine/ops/index.js';
import { base64ToBytes, bytesToBase64 } from '../../src/engine/serialize.js';
import { noGrad } from '../../src/engine/tensor.js';
import { indicesOf, type BundledMnist } from './dataset.js';
import { exemplarGrid } from './exemplars.js';
import { strategyFor } from './strategies.js';
import { BACKBONES, IMAGE_DIM, IMAGE_SIDE, MAX_CLASSES, MNIST_CLASSES, type BackboneChoice, type ClassInfo, type Committed, type ExemplarGrid, type LearnerView, type ProgressInfo, type Settings, type StrategyChoice, type TaskRecord } from './protocol.js';

export const APP_ID = 'bitspike-web';
/** Drawn examples are shifted by up to ±SHIFT pixels in x and y: a few drawings become a trainable task. */
const SHIFT = 2;
/** C identifier of the exported header and routine: bitspike_learner.h / .c, bitspike_learner_predict(). */
const C_NAME = 'bitspike_learner';

/** The backbone of a settings object; files saved before the choice existed hold float MLPs. */
export const backboneOf = (s: Settings): BackboneChoice => s.backbone ?? 'float';

export class Cancelled extends Error {
  override name = 'Cancelled';
}

interface AppMeta {
  app: typeof APP_ID;
  settings: Settings;
  strategyLabel: string;
  memoryNote: string;
  classes: ClassInfo[];
  history: TaskRecord[];
  /** Drawn examples per class id (base64 pixels): shown and evaluated by the app; not part of the learner's memory. */
  drawn: Record<string, string>;
}

export function validateSettings(s: Settings): void {
  const int = (k: keyof Settings, min: number, max: number): void => {
    const v = s[k] as number;
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`settings.${k}: expected an integer in [${min}, ${max}], got ${String(v)}`);
  };
  int('epochs', 1, 50); int('batchSize', 1, 1024); int('trainPerClass', 1, 100_000); int('seed', 0, 2 ** 31 - 1);
  if (s.encoder !== undefined && s.encoder !== null && typeof s.encoder !== 'string') throw new RangeError(`settings.encoder: expected an ONNX file name or null, got ${JSON.stringify(s.encoder)}`);
  if (s.backbone !== undefined && !BACKBONES.includes(s.backbone)) throw new RangeError(`settings.backbone: expected ${BACKBONES.join(' or ')}, got ${JSON.stringify(s.backbone)}`);
  if (s.encoder && backboneOf(s) === 'binary') throw new RangeError(`settings.encoder: an imported ONNX encoder is a float backbone; choose the float backbone to use ${s.encoder}`);
  if (!(s.lr > 0 && s.lr <= 1)) throw new RangeError(`settings.lr: expected a number in (0, 1], got ${s.lr}`);
  if (!Array.isArray(s.hidden) || s.hidden.length < 1 || !s.hidden.every((h) => Number.isInteger(h) && h >= 4 && h <= 4096)) {
    throw new RangeError(`settings.hidden: expected 1+ layer widths in [4, 4096], got ${JSON.stringify(s.hidden)}`);
  }
}

export class Session {
  private learner: Learner;
  private spec: LearnerSpec;
  private meta: AppMeta;
  private drawn = new Map<number, Uint8Array>();

  private constructor(learner: Learner, spec: LearnerSpec, meta: AppMeta, private readonly data: BundledMnist) {
    this.learner = learner;
    this.spec = spec;
    this.meta = meta;
    for (const [k, v] of Object.entries(meta.drawn)) this.drawn.set(Number(k), base64ToBytes(v, `drawn examples of class ${k}`));
  }

  static create(settings: Settings, choice: StrategyChoice, data: BundledMnist): Session {
    validateSettings(settings);
    const spec: LearnerSpec = {
      // An imported ONNX encoder (registered by the worker) is the frozen backbone; the hidden layers train on top.
      model: settings.encoder
        ? { kind: 'onnx', file: settings.encoder, cut: null, binarizer: 'heaviside', levels: 4, hidden: settings.hidden, imageShape: [IMAGE_SIDE, IMAGE_SIDE, 1] }
        : backboneOf(settings) === 'binary'
          // One thermometer level (pixel > 128): the input is a 28×28 bit image, GBM's latent at layer 0.
          ? { kind: 'binary-mlp', hidden: settings.hidden, levels: 1, learnableGain: true, imageShape: [IMAGE_SIDE, IMAGE_SIDE, 1] }
          : { kind: 'mlp', hidden: settings.hidden },
      inputDim: IMAGE_DIM, numClasses: MAX_CLASSES,
      training: { epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, optimizer: 'adam' },
      budget: choice.budget, strategy: strategyFor(choice, backboneOf(settings)), seed: settings.seed,
    };
    const meta: AppMeta = { app: APP_ID, settings, strategyLabel: choice.label, memoryNote: choice.memoryNote, classes: [], history: [], drawn: {} };
    return new Session(createLearner(spec), spec, meta, data);
  }

  static restore(bytes: Uint8Array, source: string, data: BundledMnist): Session {
    const { learner, spec, meta } = loadLearnerFile(bytes, source);
    if (meta.app !== APP_ID) throw new Error(`${source}: a bitspike learner file, but not one saved by this app (no class names or history); it still works with bitspike predict`);
    if (spec.inputDim !== IMAGE_DIM) throw new Error(`${source}: the learner takes ${spec.inputDim} inputs, this app feeds 28×28 = ${IMAGE_DIM}`);
    return new Session(learner, spec, meta as unknown as AppMeta, data);
  }

  className(c: number): string {
    return this.meta.classes.find((k) => k.id === c)?.name ?? (c < MNIST_CLASSES ? this.data.classNames[c] : `class ${c}`);
  }

  /** MNIST training images of `classes` (the first trainPerClass of each). */
  private mnistTask(classes: number[]): Samples {
    const { train } = this.data;
    const idx = indicesOf(train, classes, this.meta.settings.trainPerClass);
    const x = new Uint8Array(idx.length * IMAGE_DIM);
    const y = new Int32Array(idx.length);
    idx.forEach((i, j) => { x.set(train.images.subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM), j * IMAGE_DIM); y[j] = train.labels[i]; });
    return makeSamples(x, y, IMAGE_DIM);
  }

  private checkNew(classes: number[]): void {
    if (classes.length === 0) throw new RangeError('a task needs at least one class');
    for (const c of classes) {
      if (!Number.isInteger(c) || c < 0 || c >= MAX_CLASSES) throw new RangeError(`class id ${c} is outside [0, ${MAX_CLASSES})`);
      if (this.learner.unitOf(c) !== undefined) throw new RangeError(`class ${this.className(c)} was already learned (class-incremental: every task brings new classes)`);
    }
  }

  private train(task: Samples, onProgress: (p: ProgressInfo) => void, cancelled: () => boolean): number {
    const t0 = performance.now();
    this.learner.learnTask(task, {
      onBatch: ({ epoch, epochs, batch, batches, loss }) => {
        if (cancelled()) throw new Cancelled('learning cancelled');
        const done = (epoch * batches + batch + 1) / (epochs * batches);
        onProgress({ phase: done < 1 ? `epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${batches}` : 'fitting the memory', fraction: done, loss });
      },
    });
    return Math.round(performance.now() - t0);
  }

  learnTask(classes: number[], onProgress: (p: ProgressInfo) => void, cancelled: () => boolean): Committed {
    const sorted = [...classes].sort((a, b) => a - b);
    this.checkNew(sorted);
    if (sorted.some((c) => c >= MNIST_CLASSES)) throw new RangeError(`MNIST tasks take digit classes 0–9, got ${sorted.join(', ')}`);
    const task = this.mnistTask(sorted);
    const ms = this.train(task, onProgress, cancelled);
    for (const c of sorted) this.meta.classes.push({ id: c, name: this.data.classNames[c], source: 'mnist' });
    return this.record(sorted, 'mnist', task.n, ms);
  }

  learnDrawn(label: number, name: string, images: Uint8Array, onProgress: (p: ProgressInfo) => void, cancelled: () => boolean): Committed {
    this.checkNew([label]);
    if (images.length === 0 || images.length % IMAGE_DIM !== 0) throw new RangeError(`drawn examples: expected n × ${IMAGE_DIM} pixels, got ${images.length}`);
    if (!name.trim()) throw new RangeError('drawn class: give it a name');
    const n = images.length / IMAGE_DIM;
    const shifted = n * (2 * SHIFT + 1) ** 2;
    // As many training samples as an MNIST task of two classes, so the new class gets as many
    // updates against the replayed old classes (fewer steps leave the head biased to the new class).
    const total = Math.max(shifted, 2 * this.meta.settings.trainPerClass);
    const x = new Uint8Array(total * IMAGE_DIM);
    let o = 0;
    while (o < total) {
      for (let i = 0; i < n && o < total; i++) {
        const src = images.subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM);
        for (let dy = 0; dy <= 2 * SHIFT && o < total; dy++) for (let dx = 0; dx <= 2 * SHIFT && o < total; dx++) {
          cropPadded(src, IMAGE_SIDE, IMAGE_SIDE, 1, SHIFT, dy, dx, x.subarray(o * IMAGE_DIM, (o + 1) * IMAGE_DIM));
          o++;
        }
      }
    }
    const task = makeSamples(x, new Int32Array(o).fill(label), IMAGE_DIM);
    const ms = this.train(task, onProgress, cancelled);
    this.meta.classes.push({ id: label, name: name.trim(), source: 'drawn' });
    this.drawn.set(label, images.slice());
    this.meta.drawn[label] = bytesToBase64(images);
    return this.record([label], 'drawn', task.n, ms);
  }

  /** Evaluation images of a group of classes: MNIST test images, or a drawn class's own examples. */
  private evalSet(classes: number[]): { x: Uint8Array; y: Int32Array } {
    const parts: { x: Uint8Array; y: Int32Array }[] = [];
    const mnist = classes.filter((c) => c < MNIST_CLASSES);
    if (mnist.length) {
      const { test } = this.data;
      const idx = indicesOf(test, mnist);
      const x = new Uint8Array(idx.length * IMAGE_DIM);
      idx.forEach((i, j) => x.set(test.images.subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM), j * IMAGE_DIM));
      parts.push({ x, y: Int32Array.from(idx, (i) => test.labels[i]) });
    }
    for (const c of classes) {
      const d = this.drawn.get(c);
      if (d) parts.push({ x: d, y: new Int32Array(d.length / IMAGE_DIM).fill(c) });
    }
    const n = parts.reduce((s, p) => s + p.y.length, 0);
    const x = new Uint8Array(n * IMAGE_DIM), y = new Int32Array(n);
    let o = 0;
    for (const p of parts) { x.set(p.x, o * IMAGE_DIM); y.set(p.y, o); o += p.y.length; }
    return { x, y };
  }

  private accuracyOn(classes: number[]): number {
    const { x, y } = this.evalSet(classes);
    if (y.length === 0) return NaN;
    const p = this.learner.predict(makeSamples(x, y, IMAGE_DIM));
    let c = 0;
    for (let i = 0; i < y.length; i++) if (p[i] === y[i]) c++;
    return c / y.length;
  }

  private record(classes: number[], source: 'mnist' | 'drawn', trainSamples: number, trainMs: number): Committed {
    const h = this.meta.history;
    const perTask = [...h.map((r) => r.classes), classes].map((cs) => this.accuracyOn(cs));
    h.push({ task: h.length, classes, source, trainSamples, accuracy: this.accuracyOn(this.learner.classMap), perTask, trainMs });
    return this.commit();
  }

  view(): LearnerView {
    const l = this.learner;
    return {
      settings: this.meta.settings, strategyLabel: this.meta.strategyLabel, memoryNote: this.meta.memoryNote,
      classes: this.meta.classes, history: this.meta.history,
      currentAccuracy: l.seenClasses ? this.accuracyOn(l.classMap) : null,
      memory: l.memory(), modelNote: this.modelNote(), tasksLearned: l.tasksLearned, backend: getKernels().name,
    };
  }

  private modelNote(): string {
    const m = this.spec.model;
    if (m.kind === 'binary-mlp') return `binary MLP ${IMAGE_DIM}→${m.hidden.join('→')}→head: 1-bit weights, 32-bit gain + bias per unit (thresholds when deployed)`;
    if (m.kind === 'onnx') return `imported ONNX encoder + float MLP [${m.hidden.join(', ')}]: float32 weights`;
    return m.kind === 'mlp' ? `float MLP ${IMAGE_DIM}→${m.hidden.join('→')}→head: float32 weights and biases` : `${m.kind} network`;
  }

  /** The learner as C99 for a microcontroller (binary backbone only): what `bitspike bnn export` writes. */
  exportC(): { header: string; source: string; name: string; classIds: number[] } {
    if (this.spec.model.kind !== 'binary-mlp') throw new RangeError('Export C needs the binary backbone: this learner is a float network (create a new learner with backbone binary)');
    const { header, source } = exportBinaryLearnerC(this.learner, C_NAME);
    return { header, source, name: C_NAME, classIds: [...this.learner.classMap] };
  }

  file(): Uint8Array {
    return encodeLearnerFile(this.spec, this.learner, this.meta as unknown as Record<string, unknown>);
  }

  commit(): Committed {
    return { view: this.view(), file: this.file() };
  }

  fileName(): string {
    const strategy = this.meta.settings.strategyId;
    return `bitspike-${strategy}-${this.learner.seenClasses}classes${LEARNER_FILE_EXTENSION}`;
  }

  /** Predicted class ids and softmax probabilities (over seen classes, in classMap order) of n images. */
  predict(images: Uint8Array): { predictions: number[]; probabilities: number[][] } {
    const n = images.length / IMAGE_DIM;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`predict: expected n × ${IMAGE_DIM} pixels, got ${images.length}`);
    const l = this.learner;
    const predictions = Array.from(l.predict(makeSamples(images, new Int32Array(n), IMAGE_DIM)));
    const probs = noGrad(() => softmax(l.net.forward(toInput(images, n, IMAGE_DIM))).f32);
    const C = l.seenClasses;
    const probabilities = Array.from({ length: n }, (_, i) => Array.from(probs.subarray(i * C, (i + 1) * C)));
    return { predictions, probabilities };
  }

  /** Predictions on the whole bundled test subset (all ten digits), in dataset order. */
  predictTest(): { predictions: number[]; labels: number[] } {
    const { test } = this.data;
    const p = this.learner.predict(makeSamples(test.images, test.labels, IMAGE_DIM));
    return { predictions: Array.from(p), labels: Array.from(test.labels) };
  }

  classMap(): number[] {
    return [...this.learner.classMap];
  }

  exemplars(perClass: number): ExemplarGrid {
    return exemplarGrid({
      learner: this.learner, strategy: this.spec.strategy, train: this.data.train, trainPerClass: this.meta.settings.trainPerClass,
      drawn: this.drawn, className: (c) => this.className(c),
    }, perClass);
  }
}
