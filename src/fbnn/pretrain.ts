// Semi-supervised pre-training of the FBNN feature extractor (methods-cil.md §3.6):
//   L_PT = CE(labelled base-class images) + β · L_SSL(unlabelled images)
// Choice of L_SSL (the paper's is unknown): 4-way ROTATION PREDICTION (Gidaris et al., ICLR 2018)
// from an auxiliary binary (ternary-by-duplication) head on the 1-bit latent. Why: it is the spec's
// default; it needs no negatives, no momentum encoder and no predictor, so it cannot collapse and it
// gives a useful signal from the first epoch at small batch sizes and few epochs (what two shared CPU
// cores allow), whereas contrastive and BYOL/SimSiam objectives need large batches and long schedules;
// and predicting an image's orientation requires recognising object shape and pose, features that are
// not specific to the labelled classes, so they transfer to the held-out deployment classes.
// InfoNCE between two augmented views of the binary latent (SimCLR's NT-Xent, both directions,
// cosine similarity z₁·z₂/D of ±1 codes) is implemented as the alternative ('infonce'); 'none' is
// the purely supervised baseline. The unlabelled images are the pre-training images themselves
// ('base'), or also the deployment classes' training images without labels ('base+deployment', a
// flagged transductive variant). The classifier used here is discarded after pre-training.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { add, argmax, crossEntropy, matmul, scale, transpose } from '../engine/ops/index.js';
import { Adam } from '../engine/optim/adam.js';
import { ReduceLrOnPlateau } from '../engine/optim/schedule.js';
import { Rng } from '../engine/random.js';
import { base64ToF32, f32ToBase64 } from '../engine/serialize.js';
import { noGrad, Tensor } from '../engine/tensor.js';
import { augmentBatch, parseAugment, type AugmentStep } from '../data/augment.js';
import { canonicalConfig } from '../cil/config.js';
import type { ExperimentConfig } from '../cil/config.js';
import { concatSamples, type Samples } from '../cil/samples.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { FbnnErConfig } from './config.js';
import type { FbnnErData } from './data.js';
import { FeatureExtractor, GrowingTernaryHead, SkipClassifier, type ImageGeometry } from './model.js';
import { linearProbe } from './probe.js';

export interface PretrainEpoch { epoch: number; lr: number; loss: number; ce: number; ssl: number; trainAcc: number; seconds: number }

export interface PretrainResult {
  format: 'bitspike-fbnn-pretrain';
  version: 1;
  key: string;
  ssl: FbnnErConfig['pretrain']['ssl'];
  /** Feature-extractor weights (base64 float32 latent weights, gains, biases). */
  weights: Record<string, string>;
  history: PretrainEpoch[];
  /** Accuracy of the pre-training classifier on the base classes' test images. */
  baseTestAccuracy: number;
  /** Softmax-regression probe on the frozen 1-bit latents of the held-out deployment classes (transfer). */
  deploymentProbeAccuracy: number;
  wallMs: number;
}

/** Rotates each image k·90° counter-clockwise (square images only): the self-supervised pretext task. */
export function rotateImages(images: Uint8Array, g: ImageGeometry, ks: ArrayLike<number>): Uint8Array {
  const { height: H, width: W, channels: C } = g;
  if (H !== W) throw new RangeError(`rotation pre-training needs square images, got ${H}×${W}`);
  const size = H * W * C, out = new Uint8Array(images.length);
  for (let n = 0; n < ks.length; n++) {
    const k = ((ks[n] % 4) + 4) % 4, o = n * size;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      // Destination (y, x) reads the source pixel that a k-fold CCW rotation brings there.
      const [sy, sx] = k === 0 ? [y, x] : k === 1 ? [x, W - 1 - y] : k === 2 ? [H - 1 - y, W - 1 - x] : [H - 1 - x, y];
      for (let c = 0; c < C; c++) out[o + (y * W + x) * C + c] = images[o + (sy * W + sx) * C + c];
    }
  }
  return out;
}

/** Symmetric InfoNCE between two views' ±1 latents [N, D]: cosine similarity z₁·z₂ᵀ/D over temperature τ. */
export function infoNce(z1: Tensor, z2: Tensor, temperature: number): Tensor {
  const [N, D] = z1.shape;
  const sim = scale(matmul(z1, z2, { transB: true }), 1 / (D * temperature));
  const targets = Int32Array.from({ length: N }, (_, i) => i);
  return scale(add(crossEntropy(sim, targets), crossEntropy(transpose(sim), targets)), 0.5);
}

/** The pre-training cache key: everything that shapes the extractor (data, model, pre-training, seed). */
export function pretrainKey(c: FbnnErConfig): string {
  const canon = canonicalConfig({ data: c.data, model: c.model, pretrain: c.pretrain, seed: c.seed } as unknown as ExperimentConfig);
  return createHash('sha256').update(canon).digest('hex').slice(0, 20);
}

/** Gathers images at `idx` (n×size) from a sample set, optionally augmented. */
function gather(s: Samples, g: ImageGeometry, idx: ArrayLike<number>, steps: readonly AugmentStep[], rng: Rng): Uint8Array {
  return augmentBatch(s.x, { n: s.n, h: g.height, w: g.width, c: g.channels }, idx, steps, rng);
}

/** Latents (n × D, ±1) of every sample, in eval mode without gradients. */
export function latentsOf(fe: FeatureExtractor, s: Samples, chunk = 256): Float32Array {
  const D = fe.latentBits, out = new Float32Array(s.n * D), was = fe.training;
  fe.eval();
  noGrad(() => {
    for (let o = 0; o < s.n; o += chunk) {
      const m = Math.min(chunk, s.n - o);
      out.set(fe.latents(s.x.subarray(o * s.dim, (o + m) * s.dim), m).f32, o * D);
    }
  });
  fe.train(was);
  return out;
}

/** Trains a feature extractor on the base classes (+ β·SSL) and returns it with its record. */
export function pretrain(c: FbnnErConfig, data: FbnnErData, log: (s: string) => void = () => undefined): { fe: FeatureExtractor; result: PretrainResult } {
  const t0 = performance.now();
  const p = c.pretrain, g = data.geometry;
  const rng = new Rng(c.seed).split();
  const fe = new FeatureExtractor(g, c.model, rng.split());
  const clf = new SkipClassifier(c.model.latentBits, c.model.classifierHidden, c.model.learnableGain, rng.split());
  clf.grow(data.base.classes.length, rng.split());
  const rotHead = new GrowingTernaryHead(c.model.latentBits);
  if (p.ssl === 'rotation') rotHead.grow(4, rng.split());
  const unitOf = new Map(data.base.classes.map((cl, i) => [cl, i]));
  const labelled = data.base.train;
  const unlabelled = p.unlabelled === 'base' ? labelled : concatSamples([labelled, ...data.tasks.map((t) => t.train)]);
  const steps = parseAugment(p.augment);
  const params = [...fe.parameters(), ...clf.parameters(), ...(p.ssl === 'rotation' ? rotHead.parameters() : [])];
  const opt = new Adam(params, { lr: p.lr });
  const sched = new ReduceLrOnPlateau(opt, { factor: 0.5, patience: 2 });
  const history: PretrainEpoch[] = [];
  const B = p.batchSize;
  fe.train(); clf.train(); rotHead.train();
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const e0 = performance.now(), perm = rng.permutation(labelled.n);
    let sum = 0, sumCe = 0, sumSsl = 0, correct = 0, seen = 0;
    for (let s = 0; s < labelled.n; s += B) {
      const idx = perm.subarray(s, Math.min(labelled.n, s + B)), m = idx.length;
      const units = Int32Array.from(idx, (i) => unitOf.get(labelled.y[i])!);
      const x = gather(labelled, g, idx, steps, rng);
      const z = fe.latents(x, m);
      const logits = clf.forward(z);
      const ce = crossEntropy(logits, units);
      let ssl: Tensor | null = null;
      if (p.ssl !== 'none' && p.beta > 0) {
        // Unlabelled minibatch of the same size (the labelled images themselves when unlabelled = 'base').
        const uidx = p.unlabelled === 'base' ? idx : Int32Array.from({ length: m }, () => rng.int(unlabelled.n));
        if (p.ssl === 'rotation') {
          const ks = Int32Array.from({ length: m }, () => rng.int(4));
          const xr = rotateImages(gather(unlabelled, g, uidx, steps, rng), g, ks);
          ssl = crossEntropy(rotHead.forward(fe.latents(xr, m)), ks);
        } else {
          // Two fresh augmented views; with 'base' the first is the supervised view.
          const z1 = p.unlabelled === 'base' ? z : fe.latents(gather(unlabelled, g, uidx, steps, rng), m);
          const z2 = fe.latents(gather(unlabelled, g, uidx, steps, rng), m);
          ssl = infoNce(z1, z2, p.temperature);
        }
      }
      const loss = ssl ? add(ce, scale(ssl, p.beta)) : ce;
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const L = logits.f32, C = data.base.classes.length;
      for (let i = 0; i < m; i++) {
        let best = 0;
        for (let j = 1; j < C; j++) if (L[i * C + j] > L[i * C + best]) best = j;
        if (best === units[i]) correct++;
      }
      sum += loss.item() * m; sumCe += ce.item() * m; sumSsl += (ssl?.item() ?? 0) * m; seen += m;
    }
    const rec: PretrainEpoch = { epoch, lr: opt.lr, loss: sum / seen, ce: sumCe / seen, ssl: sumSsl / seen, trainAcc: correct / seen, seconds: (performance.now() - e0) / 1000 };
    history.push(rec);
    sched.step(rec.loss);
    log(`pretrain[${p.ssl}] epoch ${epoch}/${p.epochs} loss ${rec.loss.toFixed(4)} (ce ${rec.ce.toFixed(4)}, ssl ${rec.ssl.toFixed(4)}) train ${(100 * rec.trainAcc).toFixed(1)}% (${rec.seconds.toFixed(1)} s)`);
  }
  // Base-class test accuracy of the (discarded) pre-training classifier.
  fe.eval(); clf.eval();
  const baseTestAccuracy = accuracyOf(clf, latentsOf(fe, data.base.test), data.base.test.y, unitOf, c.model.latentBits);
  const deploymentProbeAccuracy = probeDeployment(fe, data, c.seed);
  log(`pretrain[${p.ssl}]: base test ${(100 * baseTestAccuracy).toFixed(1)}%, deployment-class linear probe ${(100 * deploymentProbeAccuracy).toFixed(1)}%`);
  const weights: Record<string, string> = {};
  for (const [k, v] of Object.entries(fe.stateDict())) weights[k] = f32ToBase64(v);
  return {
    fe,
    result: { format: 'bitspike-fbnn-pretrain', version: 1, key: pretrainKey(c), ssl: p.ssl, weights, history, baseTestAccuracy, deploymentProbeAccuracy, wallMs: Math.round(performance.now() - t0) },
  };
}

/** Top-1 accuracy of a classifier on latents (eval mode, no gradients). */
export function accuracyOf(clf: SkipClassifier, z: Float32Array, labels: Int32Array, unitOf: Map<number, number>, D: number): number {
  if (labels.length === 0) return 0;
  const was = clf.training;
  clf.eval();
  const pred = argmax(noGrad(() => clf.forward(new Tensor(z, [labels.length, D]))), 1).i32;
  clf.train(was);
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === unitOf.get(labels[i])) hit++;
  return hit / labels.length;
}

/** Transfer measure: a softmax-regression probe on frozen latents of the deployment classes (all at once). */
export function probeDeployment(fe: FeatureExtractor, data: FbnnErData, seed: number): number {
  const train = concatSamples(data.tasks.map((t) => t.train)), test = concatSamples(data.tasks.map((t) => t.test));
  return linearProbe(latentsOf(fe, train), train.y, latentsOf(fe, test), test.y, fe.latentBits, { seed });
}

/** A feature extractor holding stored pre-trained weights. */
export function loadFeatureExtractor(c: FbnnErConfig, g: ImageGeometry, r: PretrainResult, source: string): FeatureExtractor {
  const fe = new FeatureExtractor(g, c.model, new Rng(0));
  const d: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(fe.stateDict())) {
    if (!(k in r.weights)) throw new TypeError(`${source}: missing weights '${k}'`);
    d[k] = base64ToF32(r.weights[k], v.length, `${source} weights '${k}'`);
  }
  fe.loadStateDict(d);
  return fe;
}

/**
 * Pre-trains once per (data, model, pre-training, seed) and caches the result in `cacheDir`
 * (atomic JSON); later calls — every ladder rung, strategy and ablation — load it.
 */
export function pretrainCached(c: FbnnErConfig, data: FbnnErData, cacheDir: string | null, log: (s: string) => void = () => undefined): { fe: FeatureExtractor; result: PretrainResult; hit: boolean; file: string | null } {
  const key = pretrainKey(c);
  const file = cacheDir ? path.join(cacheDir, `fbnn-pretrain-${key}.json`) : null;
  if (file && fs.existsSync(file)) {
    let r: PretrainResult;
    try { r = JSON.parse(fs.readFileSync(file, 'utf8')) as PretrainResult; } catch (e) { throw new Error(`${file}: not valid JSON (${(e as Error).message})`); }
    if (r.format !== 'bitspike-fbnn-pretrain' || r.version !== 1 || r.key !== key) throw new TypeError(`${file}: not a pre-training cache for key ${key}`);
    log(`pretrain[${c.pretrain.ssl}]: cache hit ${file}`);
    return { fe: loadFeatureExtractor(c, data.geometry, r, file), result: r, hit: true, file };
  }
  const { fe, result } = pretrain(c, data, log);
  if (file) writeFileAtomic(file, JSON.stringify(result));
  return { fe, result, hit: false, file };
}
