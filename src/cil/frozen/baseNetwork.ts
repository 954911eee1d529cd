// The base network of the frozen-encoder protocol (docs/methods-cil.md §6): a backbone trained once
// on the base task's classes with plain cross-entropy, then frozen and shared by every method of a
// study. Training runs through the CIL Learner (fine-tuning on task 0, the config's `training`
// section: optimizer, cosine schedule, augmentation) and writes a checkpoint after every epoch, so
// a base training of hours spans sessions: the same command resumes where the last one stopped.
// The finished base is cached by the key of everything that shapes it (data, model, training, seed:
// gbm/baseCache.ts), in the same file format the pixel-level GBM study reads.
import fs from 'node:fs';
import path from 'node:path';
import type { ImageDataset } from '../../data/dataset.js';
import type { Scenario } from '../../data/scenario.js';
import { baseCacheKey } from '../../gbm/baseCache.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import type { ExperimentConfig } from '../config.js';
import { Learner, type EpochCheckpoint, type Progress } from '../learner.js';
import { samplesAt } from '../samples.js';
import { strategyEntry } from '../strategies/index.js';

/** What the cache file holds besides weights (read back on a hit, so reports keep the original numbers). */
export interface BaseTrainingInfo {
  /** Top-1 of the base network's own head on the test images of the base classes. */
  baseTop1: number;
  /** Wall time of the training epochs, summed over resumed sessions. */
  trainMs: number;
  epochs: number;
  trainImages: number;
  describe: string;
}

export interface FrozenBase extends BaseTrainingInfo {
  learner: Learner;
  key: string;
  file: string;
  hit: boolean;
}

interface BaseFile { version: 1; key: string; rng: unknown; weights: Record<string, string>; info?: BaseTrainingInfo }
type StoredCheckpoint = EpochCheckpoint & { elapsedMs: number };

/** The base-task classes of `scenario` must be what the learner learns first. */
function baseLearner(cfg: ExperimentConfig, train: ImageDataset): Learner {
  return new Learner({
    model: cfg.model, inputDim: train.shape.h * train.shape.w * train.shape.c, numClasses: train.classNames.length,
    training: cfg.training, budget: cfg.budget, strategy: strategyEntry('finetune').create({}), seed: cfg.seed,
  });
}

/**
 * Loads the cached base of `cfg` from `cacheDir`, or trains it (resuming from the last epoch
 * checkpoint found there). `progress.onBatch/onEpoch` see the training; the learner returned has
 * learned task 0 and is in eval mode.
 */
export function trainOrLoadBase(cfg: ExperimentConfig, train: ImageDataset, test: ImageDataset, scenario: Scenario, opts: { cacheDir: string; log?: (s: string) => void; progress?: Progress }): FrozenBase {
  const log = opts.log ?? (() => undefined);
  const learner = baseLearner(cfg, train);
  const key = baseCacheKey(cfg, learner.strategy);
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  const file = path.join(opts.cacheDir, `base-${key}.json`);
  const ckptFile = path.join(opts.cacheDir, `base-${key}.epoch.json`);
  const base = scenario.tasks[0];
  const task = samplesAt(train, base.train);
  const testSet = samplesAt(test, base.test);
  const top1 = (): number => {
    const p = learner.predict(testSet);
    let ok = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === testSet.y[i]) ok++;
    return ok / p.length;
  };
  if (fs.existsSync(file)) {
    let parsed: BaseFile;
    try { parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as BaseFile; } catch (e) { throw new TypeError(`${file}: not a base cache file (${(e as Error).message})`); }
    if (parsed.version !== 1 || parsed.key !== key) throw new TypeError(`${file}: not a base cache for key ${key}`);
    learner.addClasses(task.y);
    learner.loadEncodedWeights(parsed.weights, file);
    learner.net.eval();
    learner.tasksLearned = 1;
    const info = parsed.info ?? { baseTop1: top1(), trainMs: 0, epochs: cfg.training.epochs, trainImages: task.n, describe: learner.net.describe() };
    log(`base ${key}: cached (${file}), top-1 ${(info.baseTop1 * 100).toFixed(2)}% on the ${base.classes.length} base classes`);
    return { ...info, learner, key, file, hit: true };
  }
  let elapsedBefore = 0;
  let epochStart = performance.now();
  const checkpoint = {
    load: (): EpochCheckpoint | null => {
      if (!fs.existsSync(ckptFile)) return null;
      let c: StoredCheckpoint;
      try { c = JSON.parse(fs.readFileSync(ckptFile, 'utf8')) as StoredCheckpoint; } catch (e) { throw new TypeError(`${ckptFile}: unreadable epoch checkpoint (${(e as Error).message}); delete it to restart the base training`); }
      elapsedBefore = c.elapsedMs ?? 0;
      log(`base ${key}: resuming after epoch ${c.epoch}/${cfg.training.epochs} (${ckptFile})`);
      return c;
    },
    save: (c: EpochCheckpoint): void => {
      writeFileAtomic(ckptFile, JSON.stringify({ ...c, elapsedMs: elapsedBefore + (performance.now() - t0) } satisfies StoredCheckpoint));
    },
  };
  log(`base ${key}: training ${learner.net.describe()} on ${task.n} images of ${base.classes.length} classes, ${cfg.training.epochs} epochs`);
  const t0 = performance.now();
  const trained = learner.learnTask(task, {
    onBatch: opts.progress?.onBatch,
    onEpoch: (i) => {
      const now = performance.now();
      log(`  base epoch ${i.epoch + 1}/${i.epochs}: loss ${i.loss.toFixed(4)}, lr ${i.lr.toPrecision(3)}, ${((now - epochStart) / 1000).toFixed(0)} s`);
      epochStart = now;
      opts.progress?.onEpoch?.(i);
    },
    checkpoint,
  });
  const info: BaseTrainingInfo = {
    baseTop1: top1(), trainMs: Math.round(elapsedBefore + performance.now() - t0), epochs: trained.epochs, trainImages: task.n, describe: learner.net.describe(),
  };
  writeFileAtomic(file, JSON.stringify({ version: 1, key, rng: learner.rng.state(), weights: learner.encodedWeights(), info } satisfies BaseFile));
  fs.rmSync(ckptFile, { force: true });
  log(`base ${key}: top-1 ${(info.baseTop1 * 100).toFixed(2)}% on the base classes after ${(info.trainMs / 60000).toFixed(1)} min; saved ${file}`);
  return { ...info, learner, key, file, hit: false };
}
