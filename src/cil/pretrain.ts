// The pre-training step of a CIL run (docs/methods-cil.md §3.2, §3.6): before the class-incremental steps,
// the scenario's first task (the base classes) trains the encoder with
//   L_PT = CE(labelled base images) + β·L_SSL(unlabelled images),
// then the classifier is discarded (the learner starts with a fresh trunk and head: "reset the
// classifier") and only the encoder weights are kept. The network is the run's own CilNet, so the
// weights load into the learner's encoder by name.
//
// L_SSL is 4-way rotation prediction (Gidaris et al., ICLR 2018) from an auxiliary ternary head on the
// latent by default. Why: it is the spec's default; it needs no negatives, momentum encoder or
// predictor, so it cannot collapse, and it gives a useful signal from the first epoch at the small
// batch sizes and few epochs two shared CPU cores allow (contrastive and BYOL/SimSiam objectives need
// large batches and long schedules); predicting an image's orientation requires shape and pose
// features that are not specific to the labelled classes, so they transfer to held-out classes.
// InfoNCE between two augmented views of the latent (SimCLR's NT-Xent, both directions, cosine
// similarity z₁·z₂/D of ±1 codes) is the alternative ('infonce'); 'none' is the supervised baseline.
// The unlabelled images are the base images themselves ('base') or also the later tasks' training
// images without labels ('base+deployment', a flagged transductive variant).
//
// Pre-training depends only on (data, model, latent split, pre-training, seed), so it is cached by a
// hash of those: every budget, strategy and λ of a study reuses one pre-trained encoder.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { augmentBatch, parseAugment, type AugmentStep } from '../data/augment.js';
import { add, argmax, crossEntropy, matmul, scale, transpose } from '../engine/ops/index.js';
import { Adam } from '../engine/optim/adam.js';
import { ReduceLrOnPlateau } from '../engine/optim/schedule.js';
import { Rng } from '../engine/random.js';
import { base64ToF32, f32ToBase64 } from '../engine/serialize.js';
import { noGrad, Tensor } from '../engine/tensor.js';
import { float32Bits } from './backbones/backbone.js';
import { GrowingTernaryHead } from './backbones/head.js';
import { imageGeometry, type ImageGeometry } from './backbones/imageShape.js';
import { canonicalConfig, type ExperimentConfig, type PretrainConfig, type SslKind } from './config.js';
import { CilNet, type LatentSplit } from './model.js';
import { linearProbe } from './probe.js';
import { concatSamples, toInput, type Samples } from './samples.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

export interface PretrainEpoch { epoch: number; lr: number; loss: number; ce: number; ssl: number; trainAcc: number }

/** What a run records about its pre-training (deterministic: no wall-clock). */
export interface PretrainRecord {
  key: string;
  ssl: SslKind;
  history: PretrainEpoch[];
  /** Accuracy of the (discarded) pre-training classifier on the base classes' test images. */
  baseTestAccuracy: number;
  /** Softmax-regression probe on the frozen latents of the later (deployment) classes: a transfer measure. */
  deploymentProbeAccuracy: number;
  /** Deployed bits of the encoder. */
  encoderBits: number;
}

export interface PretrainData {
  base: { train: Samples; test: Samples };
  /** Every later task's training and test images (probe; unlabelled images of the transductive variant). */
  deployment: { train: Samples; test: Samples };
}

export type { PretrainConfig, SslKind };

export interface PretrainResult { record: PretrainRecord; weights: Record<string, Float32Array>; cached: boolean }

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

/** The cache key: everything that shapes the pre-trained encoder. */
export function pretrainKey(cfg: ExperimentConfig, split: LatentSplit | null): string {
  // Conv backbones have one latent point whatever the split; an MLP's split chooses its encoder layers.
  const encoderSplit = cfg.model.kind === 'mlp' ? split : null;
  const canon = canonicalConfig({ data: cfg.data, model: cfg.model, pretrain: cfg.pretrain, seed: cfg.seed, split: encoderSplit } as unknown as ExperimentConfig);
  return createHash('sha256').update(canon).digest('hex').slice(0, 20);
}

/** Encoder outputs of every sample (eval mode, no gradients). */
export function encodeAll(net: CilNet, s: Samples, chunk = 256): Float32Array {
  const D = net.latentDim, out = new Float32Array(s.n * D), was = net.training;
  net.eval();
  noGrad(() => {
    for (let o = 0; o < s.n; o += chunk) {
      const m = Math.min(chunk, s.n - o);
      out.set(net.encoder.forward(toInput(s.x.subarray(o * s.dim, (o + m) * s.dim), m, s.dim)).f32, o * D);
    }
  });
  net.train(was);
  return out;
}

function accuracy(net: CilNet, s: Samples, unitOf: Map<number, number>, chunk = 256): number {
  if (s.n === 0) return 0;
  net.eval();
  let hit = 0;
  noGrad(() => {
    for (let o = 0; o < s.n; o += chunk) {
      const m = Math.min(chunk, s.n - o);
      const pred = argmax(net.forward(toInput(s.x.subarray(o * s.dim, (o + m) * s.dim), m, s.dim)), 1).i32;
      for (let i = 0; i < m; i++) if (pred[i] === unitOf.get(s.y[o + i])) hit++;
    }
  });
  return hit / s.n;
}

/** Pre-trains the encoder of `cfg.model` (split as the run's strategy needs) on the base classes. */
export function pretrainEncoder(cfg: ExperimentConfig, split: LatentSplit | null, data: PretrainData, log: (s: string) => void = () => undefined): PretrainResult {
  const p = cfg.pretrain;
  if (!p) throw new Error('pretrainEncoder: the config has no pretrain section');
  const base = data.base.train, dim = base.dim;
  const g = imageGeometry(dim, (cfg.model as { imageShape?: number[] | null }).imageShape ?? null);
  const rng = new Rng(cfg.seed).split();
  const net = new CilNet(cfg.model, dim, split, rng.split());
  const classes = [...new Set(base.y)].sort((a, b) => a - b);
  const unitOf = new Map(classes.map((c, i) => [c, i]));
  net.head.grow(classes.length, rng.split());
  const rotHead = new GrowingTernaryHead(net.latentDim);
  if (p.ssl === 'rotation') rotHead.grow(4, rng.split());
  const unlabelled = p.unlabelled === 'base' ? base : concatSamples([base, data.deployment.train]);
  const steps = parseAugment(p.augment);
  const gather = (s: Samples, idx: ArrayLike<number>, st: readonly AugmentStep[]): Uint8Array =>
    augmentBatch(s.x, { n: s.n, h: g.height, w: g.width, c: g.channels }, idx, st, rng);
  const encode = (px: Uint8Array, m: number): Tensor => net.encoder.forward(toInput(px, m, dim));
  const params = [...net.parameters(), ...(p.ssl === 'rotation' ? rotHead.parameters() : [])];
  const opt = new Adam(params, { lr: p.lr });
  const sched = new ReduceLrOnPlateau(opt, { factor: 0.5, patience: 2 });
  const history: PretrainEpoch[] = [];
  const B = p.batchSize;
  net.train(); rotHead.train();
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const e0 = performance.now(), perm = rng.permutation(base.n);
    let sum = 0, sumCe = 0, sumSsl = 0, correct = 0;
    for (let s = 0; s < base.n; s += B) {
      const idx = perm.subarray(s, Math.min(base.n, s + B)), m = idx.length;
      const units = Int32Array.from(idx, (i) => unitOf.get(base.y[i])!);
      const z = encode(gather(base, idx, steps), m);
      const logits = net.logits(net.features(z));
      const ce = crossEntropy(logits, units);
      let ssl: Tensor | null = null;
      if (p.ssl !== 'none' && p.beta > 0) {
        // Unlabelled minibatch of the same size (the labelled images themselves when unlabelled = 'base').
        const uidx = p.unlabelled === 'base' ? idx : Int32Array.from({ length: m }, () => rng.int(unlabelled.n));
        if (p.ssl === 'rotation') {
          const ks = Int32Array.from({ length: m }, () => rng.int(4));
          ssl = crossEntropy(rotHead.forward(encode(rotateImages(gather(unlabelled, uidx, steps), g, ks), m)), ks);
        } else {
          // Two augmented views; with 'base' the first is the supervised view.
          const z1 = p.unlabelled === 'base' ? z : encode(gather(unlabelled, uidx, steps), m);
          ssl = infoNce(z1, encode(gather(unlabelled, uidx, steps), m), p.temperature);
        }
      }
      const loss = ssl ? add(ce, scale(ssl, p.beta)) : ce;
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const pred = argmax(logits.detach(), 1).i32;
      for (let i = 0; i < m; i++) if (pred[i] === units[i]) correct++;
      sum += loss.item() * m; sumCe += ce.item() * m; sumSsl += (ssl?.item() ?? 0) * m;
    }
    const rec: PretrainEpoch = { epoch, lr: opt.lr, loss: sum / base.n, ce: sumCe / base.n, ssl: sumSsl / base.n, trainAcc: correct / base.n };
    history.push(rec);
    sched.step(rec.loss);
    log(`pretrain[${p.ssl}] epoch ${epoch}/${p.epochs} loss ${rec.loss.toFixed(4)} (ce ${rec.ce.toFixed(4)}, ssl ${rec.ssl.toFixed(4)}) train ${(100 * rec.trainAcc).toFixed(1)}% (${((performance.now() - e0) / 1000).toFixed(1)} s)`);
  }
  const baseTestAccuracy = accuracy(net, data.base.test, unitOf);
  const { train, test } = data.deployment;
  const deploymentProbeAccuracy = train.n && test.n
    ? linearProbe(encodeAll(net, train), train.y, encodeAll(net, test), test.y, net.latentDim, { seed: cfg.seed })
    : 0;
  log(`pretrain[${p.ssl}]: base test ${(100 * baseTestAccuracy).toFixed(1)}%, deployment-class linear probe ${(100 * deploymentProbeAccuracy).toFixed(1)}%`);
  return {
    record: {
      key: pretrainKey(cfg, split), ssl: p.ssl, history, baseTestAccuracy, deploymentProbeAccuracy,
      encoderBits: net.backbone.encoderBits?.() ?? float32Bits(net.encoder),
    },
    weights: net.encoder.stateDict(),
    cached: false,
  };
}

interface CacheFile { format: 'bitspike-pretrain'; version: 2; record: PretrainRecord; weights: Record<string, string> }

/**
 * pretrainEncoder once per (data, model, split, pre-training, seed): the result is cached in `cacheDir`
 * (atomic JSON) and later calls load it. cacheDir null: no cache.
 */
export function pretrainCached(cfg: ExperimentConfig, split: LatentSplit | null, data: PretrainData, cacheDir: string | null, log: (s: string) => void = () => undefined): PretrainResult {
  const key = pretrainKey(cfg, split);
  const file = cacheDir ? path.join(cacheDir, `pretrain-${key}.json`) : null;
  if (file && fs.existsSync(file)) {
    let c: CacheFile;
    try { c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile; } catch (e) { throw new Error(`${file}: not valid JSON (${(e as Error).message})`); }
    if (c?.format !== 'bitspike-pretrain' || c.version !== 2 || c.record?.key !== key) throw new TypeError(`${file}: not a pre-training cache for key ${key}`);
    const shapes = new CilNet(cfg.model, data.base.train.dim, split, new Rng(0)).encoder.stateDict();
    const weights: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(shapes)) {
      if (!(k in c.weights)) throw new TypeError(`${file}: missing weights '${k}'`);
      weights[k] = base64ToF32(c.weights[k], v.length, `${file} weights '${k}'`);
    }
    log(`pretrain[${c.record.ssl}]: cache hit ${file}`);
    return { record: c.record, weights, cached: true };
  }
  const r = pretrainEncoder(cfg, split, data, log);
  if (file) {
    const weights: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.weights)) weights[k] = f32ToBase64(v);
    writeFileAtomic(file, JSON.stringify({ format: 'bitspike-pretrain', version: 2, record: r.record, weights } satisfies CacheFile));
  }
  return r;
}
