// The FBNN-ER deployment protocol (methods-cil.md §3.2, §3.5): after pre-training on the base classes
// the classifier is RESET (a fresh skip classifier that grows one row per deployment class), then the
// deployment tasks arrive one after the other, each trained with experience replay from a
// class-balanced buffer sized by a bit budget:
//   latent replay (LR)  the feature extractor stays frozen; the buffer stores 1-bit latents at the
//                       bottleneck; only the classifier trains (latents are computed once per run);
//   native replay (NR)  the buffer stores images at `pixelBits` bits per pixel; feature extractor and
//                       classifier train, new and replayed images are augmented alike.
// Every minibatch is half current-task samples, half replayed ones, under λ-balanced cross-entropy
// (§3.4). Each task uses Adam with reduce-on-plateau on the epoch loss and ends at the lr floor or
// maxEpochs (§3.7). A_t is scored on the test images of the deployment classes seen so far.
import { Adam } from '../engine/optim/adam.js';
import { ReduceLrOnPlateau } from '../engine/optim/schedule.js';
import { Rng } from '../engine/random.js';
import { Tensor } from '../engine/tensor.js';
import { augmentBatch, parseAugment } from '../data/augment.js';
import { binaryCodec, createPolicy, pixelCodec, SampleStore, type Codec } from '../cil/buffer/index.js';
import { labelBits } from '../cil/budget.js';
import { balancedCrossEntropy } from '../cil/lossBalancing.js';
import { evaluateTask, summarize, type Summary } from '../cil/metrics.js';
import { concatSamples } from '../cil/samples.js';
import type { FbnnErConfig } from './config.js';
import type { FbnnErData } from './data.js';
import { imageSampleBits, latentSampleBits, mbToBits, planBuffer, type BufferPlan } from './ladder.js';
import { deployedBits, SkipClassifier, type FeatureExtractor } from './model.js';
import { latentsOf, loadFeatureExtractor, type PretrainResult } from './pretrain.js';

export type ReplayKind = 'latent' | 'native';

export interface StepRecord {
  step: number;
  classes: number[];
  accuracy: number;
  oldAccuracy: number | null;
  newAccuracy: number;
  perTask: number[];
  epochs: number;
  stoppedBy: 'lr-floor' | 'max-epochs';
  stored: number;
}

export interface ReplayRunResult {
  kind: ReplayKind;
  budgetMb: number;
  lossBalance: number | null;
  pretraining: string;
  plan: BufferPlan;
  /** False when the budget cannot hold one sample per deployment class (reported as n/a). */
  feasible: boolean;
  labelBitsPerSample: number;
  /** Stored samples and their payload / label bits after the last task. */
  storedAtEnd: number;
  payloadBitsAtEnd: number;
  labelBitsAtEnd: number;
  /** Deployed bits of feature extractor and classifier (binary weights at 1 bit, gains/biases at 32). */
  modelBits: number;
  steps: StepRecord[];
  summary: Summary | null;
  wallMs: number;
}

export interface ReplayRunOptions {
  kind: ReplayKind;
  budgetMb: number;
  /** Overrides config.replay.lossBalance (undefined: the config's). */
  lossBalance?: number | null;
  log?: (s: string) => void;
}

/** A pre-trained extractor plus, for latent replay, the deployment latents computed once. */
export class ReplayContext {
  private latentCache: { train: Float32Array[]; test: Float32Array[] } | null = null;
  readonly deploymentClasses: number;
  readonly taskOfClass: Int32Array;
  constructor(readonly cfg: FbnnErConfig, readonly data: FbnnErData, readonly pretrained: PretrainResult) {
    this.deploymentClasses = data.tasks.reduce((s, t) => s + t.classes.length, 0);
    this.taskOfClass = new Int32Array(data.numClasses).fill(-1);
    for (const t of data.tasks) for (const c of t.classes) this.taskOfClass[c] = t.index;
  }
  freshExtractor(): FeatureExtractor {
    return loadFeatureExtractor(this.cfg, this.data.geometry, this.pretrained, 'pre-trained weights');
  }
  /** Frozen-extractor latents of every deployment task's train and test images (computed once). */
  latents(): { train: Float32Array[]; test: Float32Array[] } {
    if (!this.latentCache) {
      const fe = this.freshExtractor();
      this.latentCache = { train: this.data.tasks.map((t) => latentsOf(fe, t.train)), test: this.data.tasks.map((t) => latentsOf(fe, t.test)) };
    }
    return this.latentCache;
  }
  /** Bits of the whole deployment training set stored as images at the configured pixel depth (the ladder's top). */
  wholeSetBits(): number {
    const g = this.data.geometry, n = this.data.tasks.reduce((s, t) => s + t.train.n, 0);
    return n * imageSampleBits(g.height, g.width, g.channels, this.cfg.replay.pixelBits);
  }
  sampleBits(kind: ReplayKind): number {
    const g = this.data.geometry;
    return kind === 'latent' ? latentSampleBits(this.cfg.model.latentBits) : imageSampleBits(g.height, g.width, g.channels, this.cfg.replay.pixelBits);
  }
}

function argmaxRows(L: Float32Array, rows: number, C: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if (L[i * C + j] > L[i * C + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Runs the whole deployment sequence once with one strategy and one budget. */
export function runReplay(ctx: ReplayContext, o: ReplayRunOptions): ReplayRunResult {
  const t0 = performance.now();
  const { cfg, data } = ctx;
  const r = cfg.replay, log = o.log ?? (() => undefined);
  const lambda = o.lossBalance === undefined ? r.lossBalance : o.lossBalance;
  const D = cfg.model.latentBits, g = data.geometry, dim = g.height * g.width * g.channels;
  const plan = planBuffer(mbToBits(o.budgetMb), ctx.sampleBits(o.kind), ctx.deploymentClasses);
  const lb = labelBits(data.numClasses);
  const base = {
    kind: o.kind, budgetMb: o.budgetMb, lossBalance: lambda, pretraining: ctx.pretrained.ssl, plan, labelBitsPerSample: lb,
  };
  if (plan.capacity === 0) {
    return { ...base, feasible: false, storedAtEnd: 0, payloadBitsAtEnd: 0, labelBitsAtEnd: 0, modelBits: 0, steps: [], summary: null, wallMs: 0 };
  }
  const codec: Codec = o.kind === 'latent' ? binaryCodec(D) : pixelCodec(dim, r.pixelBits);
  if (codec.sampleBits !== plan.sampleBits) throw new Error(`internal: codec stores ${codec.sampleBits} bits per sample, the plan counts ${plan.sampleBits}`);
  // The store gets exactly the planned payload plus the labels, so its capacity is the plan's.
  const store = new SampleStore(codec, plan.capacity * (codec.sampleBits + lb), data.numClasses, `${o.kind}-replay buffer`);
  if (store.capacity !== plan.capacity) throw new Error(`internal: store capacity ${store.capacity} ≠ planned ${plan.capacity}`);
  const policy = createPolicy('class-balanced');
  const rng = new Rng(cfg.seed).split();
  const fe = ctx.freshExtractor();
  const clf = new SkipClassifier(D, cfg.model.classifierHidden, cfg.model.learnableGain, rng.split());
  const lat = o.kind === 'latent' ? ctx.latents() : null;
  const steps = parseAugment(r.augment);
  const unitOf = new Map<number, number>(), classOfUnit: number[] = [];
  const records: StepRecord[] = [];
  if (o.kind === 'latent') fe.eval(); // frozen below the bottleneck
  for (const task of data.tasks) {
    for (const c of task.classes) { unitOf.set(c, classOfUnit.length); classOfUnit.push(c); }
    clf.grow(task.classes.length, rng);
    const params = o.kind === 'latent' ? clf.parameters() : [...fe.parameters(), ...clf.parameters()];
    const opt = new Adam(params, { lr: r.lr });
    const sched = new ReduceLrOnPlateau(opt, { factor: r.factor, patience: r.patience });
    clf.train();
    if (o.kind === 'native') fe.train();
    const n = task.train.n, B = r.batchSize;
    let epoch = 0, stoppedBy: StepRecord['stoppedBy'] = 'max-epochs';
    while (epoch < r.maxEpochs) {
      const perm = rng.permutation(n);
      let lossSum = 0, seen = 0;
      for (let s = 0; s < n; s += B) {
        const idx = perm.subarray(s, Math.min(n, s + B)), m = idx.length;
        const nReplay = store.count > 0 ? m : 0;
        const slots = Int32Array.from({ length: nReplay }, () => rng.int(store.count));
        const units = new Int32Array(m + nReplay);
        idx.forEach((i, j) => { units[j] = unitOf.get(task.train.y[i])!; });
        slots.forEach((sl, j) => { units[m + j] = unitOf.get(store.label(sl))!; });
        let z: Tensor;
        if (o.kind === 'latent') {
          const zb = new Float32Array((m + nReplay) * D);
          idx.forEach((i, j) => zb.set(lat!.train[task.index].subarray(i * D, (i + 1) * D), j * D));
          slots.forEach((sl, j) => store.read(sl, zb, (m + j) * D));
          z = new Tensor(zb, [m + nReplay, D]);
        } else {
          const shape = { n, h: g.height, w: g.width, c: g.channels };
          const xNew = augmentBatch(task.train.x, shape, idx, steps, rng);
          let x = xNew;
          if (nReplay > 0) {
            const px = new Uint8Array(nReplay * dim);
            slots.forEach((sl, j) => store.read(sl, px, j * dim));
            const xOld = augmentBatch(px, { ...shape, n: nReplay }, Int32Array.from({ length: nReplay }, (_, j) => j), steps, rng);
            x = new Uint8Array((m + nReplay) * dim); x.set(xNew); x.set(xOld, m * dim);
          }
          z = fe.latents(x, m + nReplay);
        }
        const loss = balancedCrossEntropy(clf.forward(z), units, m, lambda);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        lossSum += loss.item() * m; seen += m;
      }
      epoch++;
      sched.step(lossSum / seen);
      if (opt.lr < r.minLr) { stoppedBy = 'lr-floor'; break; }
    }
    // Fill the buffer from the finished task (class-balanced quota, random eviction inside over-quota classes).
    const values = o.kind === 'latent' ? lat!.train[task.index] : task.train.x;
    policy.afterTask(store, { values, labels: task.train.y, n, dim: o.kind === 'latent' ? D : dim }, { rng, taskIndex: task.index });
    // Evaluate on every deployment class seen so far.
    clf.eval(); fe.eval();
    const seenTasks = data.tasks.slice(0, task.index + 1);
    const test = concatSamples(seenTasks.map((t) => t.test));
    let zt: Float32Array;
    if (o.kind === 'latent') {
      zt = new Float32Array(test.n * D);
      let off = 0;
      for (const t of seenTasks) { zt.set(lat!.test[t.index], off); off += lat!.test[t.index].length; }
    } else zt = latentsOf(fe, test);
    const logits = clf.forward(new Tensor(zt, [test.n, D]));
    const units = argmaxRows(logits.f32, test.n, clf.outputs);
    const ev = evaluateTask(task.index, test.y, Int32Array.from(units, (u) => classOfUnit[u]), ctx.taskOfClass);
    records.push({ step: task.index, classes: task.classes, accuracy: ev.accuracy, oldAccuracy: ev.oldAccuracy, newAccuracy: ev.newAccuracy, perTask: ev.perTask, epochs: epoch, stoppedBy, stored: store.count });
    log(`  ${o.kind} ${o.budgetMb} Mb λ=${lambda} step ${task.index}: A=${(100 * ev.accuracy).toFixed(1)}%${ev.oldAccuracy === null ? '' : ` old ${(100 * ev.oldAccuracy).toFixed(1)}% new ${(100 * ev.newAccuracy).toFixed(1)}%`} (${epoch} ep, buffer ${store.count}/${store.capacity})`);
  }
  return {
    ...base, feasible: true, storedAtEnd: store.count, payloadBitsAtEnd: store.count * codec.sampleBits, labelBitsAtEnd: store.count * lb,
    modelBits: deployedBits(fe).bits + deployedBits(clf).bits, steps: records,
    summary: summarize(records.map((x) => ({ task: x.step, accuracy: x.accuracy, perTask: x.perTask }))), wallMs: Math.round(performance.now() - t0),
  };
}
